"""The PostgreSQL hosts: a primary from initdb, a replica from pg_basebackup, promotion and
fencing, and the small queries the supervisor asks."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from bedflow._exceptions import BedflowError
from bedflow.cluster._programs import PG_PORT, POSTGRES_CONF, pg_hba, run_in

__all__ = [
    "FENCE_FILE",
    "PostgresError",
    "connect",
    "fence",
    "init_primary",
    "is_fenced",
    "make_replica",
    "pg_bin_dir",
]

FENCE_FILE = "FENCED"
"""Written into a data folder whose server was fenced off: it is never started again."""


class PostgresError(BedflowError, RuntimeError):
    """A PostgreSQL host could not be made, started or changed."""


def pg_bin_dir() -> Path:
    """PostgreSQL's server programs (Debian keeps them out of PATH)."""
    for version in ("17", "16", "15", "14"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "pg_basebackup").exists():
            return candidate
    found = shutil.which("pg_basebackup")
    if found and (Path(found).parent / "postgres").exists():
        return Path(found).parent
    raise PostgresError("PostgreSQL's initdb is not installed (e.g. apt install postgresql)")


def _own(path: Path) -> None:
    import pwd

    user = pwd.getpwnam("postgres")
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, user.pw_uid, user.pw_gid)
    path.chmod(0o700)


def init_primary(bin_dir: Path, data: Path, sockets: Path, *, subnet: str, password: str) -> None:
    """initdb a new primary whose superuser ``postgres`` has ``password``."""
    _own(data)
    _own(sockets)
    sockets.chmod(0o755)
    pwfile = data.parent / f"{data.name}.pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    shutil.chown(pwfile, "postgres")
    pwfile.chmod(0o600)
    try:
        proc = run_in(
            "",
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=peer",
             "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"],
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, as_postgres=True,
        )  # fmt: skip
    finally:
        pwfile.unlink()
    if proc.returncode:
        raise PostgresError(f"initdb failed: {proc.stderr.strip() or proc.stdout.strip()}")
    with (data / "postgresql.conf").open("a", encoding="utf-8") as f:
        f.write(POSTGRES_CONF)
    with (data / "pg_hba.conf").open("a", encoding="utf-8") as f:
        f.write(pg_hba(subnet))


def make_replica(bin_dir: Path, namespace: str, data: Path, *, primary: str, password: str) -> None:
    """A copy of the primary at ``primary`` (pg_basebackup, run on the replica's host) that
    streams from it (``-R`` writes its ``primary_conninfo`` and ``standby.signal``)."""
    if data.exists():
        shutil.rmtree(data)
    _own(data)
    proc = run_in(
        namespace,
        [str(bin_dir / "pg_basebackup"), "-h", primary, "-p", str(PG_PORT), "-U", "replicator",
         "-D", str(data), "-R", "-X", "stream", "-c", "fast"],
        env={"PATH": "/usr/bin:/bin", "PGPASSWORD": password, "LANG": "C.UTF-8"},
        as_postgres=True,
    )  # fmt: skip
    if proc.returncode:
        raise PostgresError(f"pg_basebackup failed: {proc.stderr.strip()}")
    (data / FENCE_FILE).unlink(missing_ok=True)
    sockets = data.parent / "run"
    _own(sockets)
    sockets.chmod(0o755)


def is_fenced(data: Path) -> bool:
    return (data / FENCE_FILE).exists()


def fence(data: Path, reason: str) -> None:
    """Mark ``data`` so that its server is never started again as it is."""
    if data.exists():
        (data / FENCE_FILE).write_text(reason + "\n", encoding="utf-8")


@contextlib.contextmanager
def connect(
    address: str, password: str, *, dbname: str = "postgres", timeout: float = 2.0
) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection as the superuser to the server at ``address``."""
    conn = psycopg.connect(
        host=address, port=PG_PORT, user="postgres", password=password, dbname=dbname,
        connect_timeout=max(1, int(timeout)), autocommit=True,
    )  # fmt: skip
    try:
        yield conn
    finally:
        conn.close()


def create_roles(address: str, password: str) -> None:
    """The application's role and database, and the replication role (same password)."""
    with connect(address, password) as conn:
        conn.execute(
            psycopg.sql.SQL("CREATE ROLE bedflow LOGIN PASSWORD {}").format(
                psycopg.sql.Literal(password)
            )
        )
        conn.execute(
            psycopg.sql.SQL("CREATE ROLE replicator REPLICATION LOGIN PASSWORD {}").format(
                psycopg.sql.Literal(password)
            )
        )
        conn.execute("CREATE DATABASE bedflow OWNER bedflow")

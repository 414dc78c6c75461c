"""One bedflow cluster on this machine: its hosts, their programs, and how to start, stop,
cut and probe each one. ``up`` builds it all, ``down`` removes it all."""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bedflow._exceptions import BedflowError
from bedflow.cluster import _postgres as pg
from bedflow.cluster._net import Network, netns_available
from bedflow.cluster._programs import (
    API_PORT,
    PG_PORT,
    REDIS_PORT,
    S3_PORT,
    base_env,
    http_status,
    launch,
    nginx_conf,
    postgres_argv,
    redis_argv,
    redis_ping,
)

__all__ = ["Cluster", "ClusterConfig", "ClusterError", "HostStatus"]

log = logging.getLogger(__name__)

ADDRESSES = {"mon": 5, "lb": 10, "api1": 11, "api2": 12, "worker1": 21, "worker2": 22,
             "worker3": 23, "redis": 30, "pg1": 41, "pg2": 42, "s3": 50}  # fmt: skip
"""Last byte of each host's address on the cluster's /24."""
ROLES = {
    "mon": "supervisor (failover)", "lb": "nginx load balancer",
    "api1": "API (bedflow serve)", "api2": "API (bedflow serve)",
    "worker1": "Celery worker + beat", "worker2": "Celery worker", "worker3": "Celery worker",
    "redis": "Redis (broker, AOF)", "pg1": "PostgreSQL", "pg2": "PostgreSQL", "s3": "s3rver",
}  # fmt: skip
PG_HOSTS = ("pg1", "pg2")
START_S = 120.0
"""How long a host may take to answer after it is started (imports on a busy machine)."""


class ClusterError(BedflowError, RuntimeError):
    """The cluster could not be brought up, changed or found."""


@dataclass
class ClusterConfig:
    """What ``bedflow cluster up`` builds; kept in ``<root>/state.json`` for the other
    commands."""

    name: str = "bfc"
    subnet: str = "10.213.7"
    workers: int = 2
    root: str = ""
    s3rver: str = ""
    max_upload_bytes: int = 1024**3
    job_stale_seconds: float = 15.0
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    def __post_init__(self) -> None:
        if not self.root:
            self.root = str(Path(tempfile.gettempdir()) / f"bedflow-cluster-{self.name}")
        if not 1 <= self.workers <= 3:
            raise ClusterError("workers: 1, 2 or 3")


@dataclass(frozen=True)
class HostStatus:
    host: str
    address: str
    role: str
    health: str
    ok: bool


class Cluster:
    """A cluster of hosts (network namespaces) on one bridge.

    >>> cluster = Cluster(ClusterConfig(name="bfc")); cluster.up()  # doctest: +SKIP
    >>> print(cluster.lb_url)  # doctest: +SKIP
    http://10.213.7.10
    """

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self.root = Path(config.root)
        self.net = Network(config.name, config.subnet)

    @classmethod
    def load(cls, name: str = "bfc", root: str = "") -> Cluster:
        """The cluster that ``up`` started under ``name``."""
        folder = Path(root or ClusterConfig(name=name, password="", root=root).root)
        try:
            data = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ClusterError(f"no cluster {name!r} is up (no {folder}/state.json)") from None
        return cls(ClusterConfig(**data))

    # -- topology ---------------------------------------------------------------------------
    @property
    def hosts(self) -> list[str]:
        workers = [f"worker{i}" for i in range(1, self.config.workers + 1)]
        return ["mon", "lb", "api1", "api2", *workers, "redis", "pg1", "pg2", "s3"]

    @property
    def workers(self) -> list[str]:
        return [h for h in self.hosts if h.startswith("worker")]

    def address(self, host: str) -> str:
        return self.net.address(ADDRESSES[host])

    @property
    def lb_url(self) -> str:
        return f"http://{self.address('lb')}"

    @property
    def database_url(self) -> str:
        """Both PostgreSQL hosts; libpq connects to the one that accepts writes."""
        hosts = "&".join(f"host={self.address(h)}:{PG_PORT}" for h in PG_HOSTS)
        return (
            f"postgresql+psycopg://bedflow:{self.config.password}@/bedflow?{hosts}"
            "&target_session_attrs=read-write&connect_timeout=2"
        )

    @property
    def replica_url(self) -> str:
        """The reads that tolerate lag (BEDFLOW_READ_REPLICA_URL): a standby when one
        answers, else whichever host does (after a failover, until a standby rejoins)."""
        return self.database_url.replace(
            "target_session_attrs=read-write", "target_session_attrs=prefer-standby"
        )

    def data_dir(self, host: str) -> Path:
        return self.root / "hosts" / host

    def pg_data(self, host: str) -> Path:
        return self.data_dir(host) / "data"

    def app_env(self, host: str) -> dict[str, str]:
        """The environment of an API or worker process: production, all services remote."""
        c = self.config
        return {
            **base_env(self.data_dir(host)),
            "BEDFLOW_ENVIRONMENT": "production",
            "BEDFLOW_SECRET_KEY": c.secret_key,
            "BEDFLOW_ADMIN_PASSWORD": c.admin_password,
            "BEDFLOW_DATA_DIR": str(self.data_dir(host)),
            "BEDFLOW_DATABASE_URL": self.database_url,
            "BEDFLOW_READ_REPLICA_URL": self.replica_url,
            "BEDFLOW_BROKER_URL": f"redis://{self.address('redis')}:{REDIS_PORT}/0",
            "BEDFLOW_STORAGE_BACKEND": "s3",
            "BEDFLOW_S3_ENDPOINT_URL": f"http://{self.address('s3')}:{S3_PORT}",
            "BEDFLOW_S3_BUCKET": "bedflow",
            "BEDFLOW_S3_ACCESS_KEY_ID": "S3RVER",
            "BEDFLOW_S3_SECRET_ACCESS_KEY": "S3RVER",
            "BEDFLOW_MAX_UPLOAD_BYTES": str(c.max_upload_bytes),
            "BEDFLOW_TRUSTED_PROXIES": self.address("lb"),
            "BEDFLOW_JOB_STALE_SECONDS": str(c.job_stale_seconds),
        }

    # -- life cycle ---------------------------------------------------------------------------
    def up(self) -> None:
        """Build the network, start every host, wait until the load balancer is healthy."""
        problem = netns_available()
        if problem:
            raise ClusterError(f"cannot build a cluster here: {problem}")
        if not Path(self.config.s3rver or "").is_file():
            raise ClusterError(
                "s3rver not found: install it (`make cluster-deps`: npm ci in tools/cluster) "
                "and pass --s3rver or put it on PATH"
            )
        if (self.root / "state.json").exists() or self.net.namespaces():
            raise ClusterError(
                f"cluster {self.config.name!r} is already up: `bedflow cluster down`"
            )
        try:
            self._build()
        except BaseException:
            log.error("cluster did not come up; logs in %s", self.root / "logs")
            raise

    def _build(self) -> None:
        for folder in (self.root, self.root / "logs", self.root / "hosts"):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
        state = self.root / "state.json"
        state.touch(0o600)
        state.write_text(json.dumps(asdict(self.config), indent=1), encoding="utf-8")
        self.net.create_bridge()
        for host in self.hosts:
            self.data_dir(host).mkdir(parents=True, exist_ok=True)
            self.data_dir(host).chmod(0o755)
            self.net.add_host(host, ADDRESSES[host])
        for host in ("redis", "s3"):
            self.start(host)
        bin_dir = pg.pg_bin_dir()
        pg.init_primary(
            bin_dir, self.pg_data("pg1"), self.data_dir("pg1") / "run",
            subnet=f"{self.config.subnet}.0/24", password=self.config.password,
        )  # fmt: skip
        self.start("pg1")
        self.wait(lambda: self.pg_role("pg1") == "primary", "pg1 accepting connections", host="pg1")
        pg.create_roles(self.address("pg1"), self.config.password)
        self.rejoin("pg2")
        from bedflow.db import upgrade

        upgrade(self.database_url)
        self.wait(lambda: redis_ping(self.address("redis")), "redis")
        self.wait(lambda: http_status(f"{self.s3_url}/") == 200, "s3")
        self.start("api1")  # first alone: it creates the admin
        self.wait(lambda: self.api_health("api1") == 200, "api1 healthy", host="api1")
        for host in ("api2", "lb", *self.workers, "mon"):
            self.start(host)
        self.wait(lambda: self.api_health("api2") == 200, "api2 healthy", host="api2")
        self.wait(
            lambda: http_status(f"{self.lb_url}/api/v1/health") == 200, "load balancer", host="lb"
        )
        self.wait(lambda: self.sync_standby() is not None, "the replica in synchronous mode")

    @property
    def s3_url(self) -> str:
        return f"http://{self.address('s3')}:{S3_PORT}"

    def lb_health(self) -> int | None:
        return http_status(f"{self.lb_url}/api/v1/health")

    def api_health(self, host: str) -> int | None:
        return http_status(f"http://{self.address(host)}:{API_PORT}/api/v1/health")

    def wait(
        self, ready: Callable[[], bool], what: str, timeout: float = START_S, host: str = ""
    ) -> None:
        """Until ``ready()``; fails after ``timeout`` or when ``host`` has no process left."""
        deadline = time.monotonic() + timeout
        while not ready():
            if host and not self.net.pids(host):
                tail = self.log_tail(host)
                raise ClusterError(f"{host} exited while waiting for {what}:\n{tail}")
            if time.monotonic() > deadline:
                raise ClusterError(f"timed out waiting for {what} (logs in {self.root}/logs)")
            time.sleep(0.2)

    def log_tail(self, host: str, lines: int = 15) -> str:
        path = self.root / "logs" / f"{host}.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, host: str) -> None:
        """Start ``host``'s program (again); a fenced PostgreSQL host is refused."""
        env, cwd = base_env(self.data_dir(host)), self.data_dir(host)
        logfile = self.root / "logs" / f"{host}.log"
        ns = self.net.namespace(host)
        bedflow = str(Path(sys.executable).parent / "bedflow")
        addr = self.address(host)
        if host in PG_HOSTS:
            if pg.is_fenced(self.pg_data(host)):
                raise ClusterError(f"{host} was fenced off after a failover: `rejoin` it")
            argv = postgres_argv(pg.pg_bin_dir(), self.pg_data(host), addr, cwd / "run")
            launch(ns, host, argv, env=env, log=logfile, cwd=cwd, as_postgres=True)
            return
        if host == "redis":
            argv = redis_argv(addr, cwd)
        elif host == "s3":
            (cwd / "objects").mkdir(exist_ok=True)
            argv = [self.config.s3rver, "-d", str(cwd / "objects"), "-a", addr,
                    "-p", str(S3_PORT), "--silent", "--configure-bucket", "bedflow"]  # fmt: skip
        elif host == "lb":
            for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (cwd / "tmp" / sub).mkdir(parents=True, exist_ok=True)
            (cwd / "tmp").chmod(0o1777)
            conf = cwd / "nginx.conf"
            conf.write_text(
                nginx_conf(
                    root=cwd, listen=addr, apis=[self.address("api1"), self.address("api2")],
                    max_upload_bytes=self.config.max_upload_bytes,
                ),
                encoding="utf-8",
            )  # fmt: skip
            argv = ["nginx", "-c", str(conf), "-p", str(cwd)]
        elif host.startswith("api"):
            env = self.app_env(host)
            argv = [bedflow, "serve", "--host", addr, "--port", str(API_PORT),
                    "--log-level", "warning"]  # fmt: skip
        elif host.startswith("worker"):
            env = self.app_env(host)
            argv = [bedflow, "worker", "--concurrency", "1", "--loglevel", "info"]
            if host == "worker1":
                argv.append("--beat")
        elif host == "mon":
            argv = [bedflow, "cluster", "supervise", "--root", str(self.root)]
            env = {**env, "PATH": f"{Path(bedflow).parent}:{env['PATH']}"}
        else:
            raise ClusterError(f"no host {host!r}")
        launch(ns, host, argv, env=env, log=logfile, cwd=cwd)

    def stop(self, host: str, sig: int = signal.SIGTERM) -> None:
        """Stop every process of ``host`` (SIGKILL: at once, as a crash)."""
        self.net.kill(host, sig, wait_s=0.0 if sig == signal.SIGKILL else 20.0)

    def cut(self, host: str) -> None:
        """Take ``host`` off the network (its processes keep running)."""
        self.net.set_link(host, up=False)

    def restore(self, host: str) -> None:
        self.net.set_link(host, up=True)

    def down(self) -> None:
        """Stop every process, remove namespaces, links, bridge and the data folders."""
        self.net.remove(self.hosts)
        if self.root.exists():
            shutil.rmtree(self.root)

    # -- PostgreSQL --------------------------------------------------------------------------
    def pg_role(self, host: str) -> str | None:
        """``primary``, ``replica``, or None when the server does not answer."""
        try:
            with pg.connect(self.address(host), self.config.password, timeout=1) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        except Exception:
            return None
        return None if row is None else ("replica" if row[0] else "primary")

    def primary(self) -> str | None:
        """The PostgreSQL host that accepts writes now."""
        return next((h for h in PG_HOSTS if self.pg_role(h) == "primary"), None)

    def sync_standby(self) -> str | None:
        """The replica's address when the primary waits for it on every commit."""
        primary = self.primary()
        if primary is None:
            return None
        try:
            with pg.connect(self.address(primary), self.config.password, timeout=1) as conn:
                row = conn.execute(
                    "SELECT client_addr::text FROM pg_stat_replication "
                    "WHERE sync_state = 'sync' AND state = 'streaming'"
                ).fetchone()
        except Exception:
            return None
        return None if row is None else str(row[0])

    def rejoin(self, host: str) -> None:
        """Make ``host`` a fresh replica of the current primary (base backup) and start it."""
        primary = self.primary()
        if primary is None or primary == host:
            raise ClusterError(f"cannot rejoin {host}: primary is {primary}")
        self.net.kill(host, signal.SIGTERM)
        pg.make_replica(
            pg.pg_bin_dir(), self.net.namespace(host), self.pg_data(host),
            primary=self.address(primary), password=self.config.password,
        )  # fmt: skip
        self.start(host)
        self.wait(lambda: self.pg_role(host) == "replica", f"{host} as a replica", host=host)

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> list[HostStatus]:
        """Each host, its address and what a probe of it found."""
        rows = []
        for host in self.hosts:
            health, ok = self._probe(host)
            if not self.net.link_up(host):
                health, ok = f"link cut; {health}", False
            rows.append(HostStatus(host, self.address(host), ROLES[host], health, ok))
        return rows

    def _probe(self, host: str) -> tuple[str, bool]:
        running = len(self.net.pids(host))
        if host in PG_HOSTS:
            role = self.pg_role(host)
            fenced = " (fenced)" if pg.is_fenced(self.pg_data(host)) else ""
            return (role or "down") + fenced, role is not None
        if host == "redis":
            return ("PONG", True) if redis_ping(self.address(host)) else ("down", False)
        url = {
            "lb": f"{self.lb_url}/api/v1/health", "s3": f"{self.s3_url}/",
            "api1": f"http://{self.address('api1')}:{API_PORT}/api/v1/health",
            "api2": f"http://{self.address('api2')}:{API_PORT}/api/v1/health",
        }.get(host)  # fmt: skip
        if url:
            code = http_status(url)
            return (f"HTTP {code}" if code else "down"), code == 200
        return (f"{running} processes" if running else "down"), running > 0

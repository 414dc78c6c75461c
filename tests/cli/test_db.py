"""`bedflow db upgrade` and `bedflow db seed` on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bedflow.cli import app
from bedflow.db import Bed, User, crud, make_engine, make_sessionmaker
from tests.utils.beds import EXAMPLES, REPO

runner = CliRunner()


def test_upgrade_then_seed_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    args = ["db", "seed", "--database-url", url, "--examples", str(REPO / "examples")]
    result = runner.invoke(app, [*args, "--alice-password", "alice-pass-1"])
    assert result.exit_code == 0, result.output
    assert "alice@example.com  password alice-pass-1" in result.stdout
    assert "bob@example.com  password " in result.stdout  # generated and printed
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "exists already" in again.stdout

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2
        assert session.scalar(select(func.count()).select_from(Bed)) == len(EXAMPLES)
        alice = crud.authenticate(session, email="alice@example.com", password="alice-pass-1")
        bob = crud.get_user_by_email(session, email="bob@example.com")
        assert alice is not None and bob is not None
        assert crud.list_beds(session, user=bob).count == len(EXAMPLES), "shared with bob"
    engine.dispose()


def test_a_bad_url_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", "mysql://x@y/z"])
    assert result.exit_code == 1 and "unsupported database" in result.stderr

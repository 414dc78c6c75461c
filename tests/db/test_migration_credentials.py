"""Migration 0008 (credentials belong to users) makes a credential's name unique per owner,
and back, on both backends, with rows in the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from bedflow._exceptions import ConflictError
from bedflow.db import Credential, User, crud, downgrade, make_engine, make_sessionmaker, upgrade
from tests.utils.db import BACKENDS, empty_database, make_user

KEY = "k" * 40


@pytest.mark.parametrize("backend", BACKENDS)
def test_0008_makes_names_unique_per_owner_and_back(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        try:
            with sessions() as session:
                alice, bob = make_user(session), make_user(session)
                kept = crud.create_credential(
                    session, name="archive", service="s3", secret="a", secret_key=KEY,
                    created_by=alice,
                )  # fmt: skip
                crud.create_credential(  # the same name, another owner: allowed now
                    session, name="archive", service="s3", secret="b", secret_key=KEY,
                    created_by=bob,
                )  # fmt: skip
                with pytest.raises(ConflictError):  # the same owner: refused
                    crud.create_credential(
                        session, name="archive", service="s3", secret="c", secret_key=KEY,
                        created_by=alice,
                    )  # fmt: skip
                kept_id = kept.id

            downgrade(url, "0007_typed_results")  # names made unique again, the oldest kept
            with engine.connect() as conn:
                names = dict(conn.execute(text("SELECT id, name FROM credentials")).all())
            values = sorted(names.values())
            assert len(values) == 2 and values[0] == "archive"
            assert values[1].startswith("archive-") and len(values[1]) == len("archive-") + 8
            assert {str(k).replace("-", "") for k, v in names.items() if v == "archive"} == {
                kept_id.hex
            }

            upgrade(url)
            with sessions() as session:
                rows = list(session.scalars(select(Credential).order_by(Credential.name)))
                assert [r.name for r in rows] == sorted(values)
                renamed_owner = session.get(User, rows[1].created_by_id)
                crud.create_credential(  # the renamed row's owner may use the name again
                    session, name="archive", service="s3", secret="d", secret_key=KEY,
                    created_by=renamed_owner,
                )  # fmt: skip
        finally:
            engine.dispose()

"""How many beds match a listing is remembered per process for ``BEDFLOW_COUNT_CACHE_SECONDS``.

Later pages of the same filters reuse the count of an earlier one; their rows are always read
fresh. A write through this process is counted at once; one made elsewhere (another server
process, here: the database directly) within that time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bedflow.api import create_app
from bedflow.api._counts import Counts
from bedflow.db import crud, make_sessionmaker
from tests.utils.api import CONFIG, auth, make_settings
from tests.utils.beds import bed_text
from tests.utils.db import clear_tables, make_bed, make_user

LIST = "/api/v1/beds?kind=sphere&sort=name&limit=2&offset={offset}"


def test_counts_expire_and_a_write_drops_counts_read_before_it() -> None:
    counts = Counts(ttl_s=300)
    _, generation = counts.get("k")
    counts.remember("k", 7, generation)
    assert counts.get("k")[0] == 7
    _, before = counts.get("j")
    counts.forget_all()  # a write: a count read before it may miss it
    counts.remember("j", 3, before)
    assert counts.get("j")[0] is None and counts.get("k")[0] is None
    off = Counts(ttl_s=0)
    off.remember("k", 7, off.get("k")[1])
    assert off.get("k")[0] is None


@pytest.mark.parametrize("ttl", [0.0, 300.0])
def test_later_pages_reuse_the_count_and_writes_here_show_at_once(
    db_engine: Engine, tmp_path: Path, ttl: float
) -> None:
    app = create_app(make_settings(tmp_path, db_engine, count_cache_seconds=ttl), config=CONFIG)
    session = make_sessionmaker(db_engine)()
    try:
        alice = make_user(session)
        for name in ("a", "b", "c"):
            make_bed(session, owner=alice, name=name)
        h = auth(app, alice)
        with TestClient(app) as client:
            first = client.get(LIST.format(offset=0), headers=h).json()
            assert first["count"] == 3 and [b["name"] for b in first["data"]] == ["a", "b"]
            make_bed(session, owner=alice, name="d")  # written by another process
            second = client.get(LIST.format(offset=2), headers=h).json()
            assert [b["name"] for b in second["data"]] == ["c", "d"]  # rows: always fresh
            assert second["count"] == (3 if ttl else 4)  # count: within the cache time
            r = client.post(
                "/api/v1/beds", content=bed_text(), headers={**h, "Content-Type": "text/plain"}
            )
            assert r.status_code == 201
            assert client.get(LIST.format(offset=0), headers=h).json()["count"] == 5
            bob = make_user(session)  # another viewer has counts of their own
            assert client.get(LIST.format(offset=0), headers=auth(app, bob)).json()["count"] == 0
    finally:
        session.close()
        clear_tables(db_engine)


def test_a_known_count_skips_counting_and_reads_the_same_rows(db_engine: Engine) -> None:
    session = make_sessionmaker(db_engine)()
    try:
        alice = make_user(session)
        for name in ("a", "b", "c"):
            make_bed(session, owner=alice, name=name)
        counted = crud.list_bed_summaries(session, user=alice, sort="name", offset=1, limit=2)
        known = crud.list_bed_summaries(
            session, user=alice, sort="name", offset=1, limit=2, count=99
        )
        assert counted.count == 3 and known.count == 99
        assert [r.name for r in known.data] == [r.name for r in counted.data] == ["b", "c"]
    finally:
        session.close()
        clear_tables(db_engine)

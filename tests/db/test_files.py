"""Files: object first, row after; a failed upload leaves no row, a failed row no object."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import NotFoundError, RequestError, UploadTooLargeError
from bedflow.db import Bed, BedFile, crud
from bedflow.storage import LocalStorage
from tests.utils.db import make_bed, make_user


def _rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(BedFile)) or 0


def test_store_file_records_size_hash_and_a_server_key(session: Session, tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    bed = make_bed(session, owner=make_user(session))
    data = b"solid\nendsolid\n"
    row = crud.store_file(
        session,
        storage=store,
        bed=bed,
        upload=io.BytesIO(data),
        kind="stl",
        filename="../../etc/passwd",
        content_type="model/stl",
    )
    assert (row.size, row.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert row.object_key.startswith(f"beds/{bed.id}/") and row.object_key.endswith(".stl")
    assert row.filename == "passwd", "the client's name is display metadata only"
    assert b"".join(store.open_stream(row.object_key)) == data
    assert not (tmp_path / "etc").exists()


def test_failed_upload_writes_no_row(session: Session, tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    bed = make_bed(session, owner=make_user(session))
    with pytest.raises(UploadTooLargeError):
        crud.store_file(
            session, storage=store, bed=bed, upload=io.BytesIO(b"x" * 100), kind="stl", max_bytes=10
        )

    class Broken(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        crud.store_file(session, storage=store, bed=bed, upload=Broken(), kind="stl")
    assert _rows(session) == 0
    assert list(store.list()) == []


def test_failed_row_write_removes_the_object(session: Session, tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    owner = make_user(session)
    ghost = Bed(id=uuid.uuid4(), owner_id=owner.id)  # never saved: the foreign key fails
    # (as for a bed deleted while its upload streamed: a lookup error, answered 404)
    with pytest.raises(NotFoundError) as failed:
        crud.store_file(session, storage=store, bed=ghost, upload=io.BytesIO(b"x"), kind="png")
    assert isinstance(failed.value.__cause__, IntegrityError)
    assert list(store.list()) == [], "no orphan object"
    assert _rows(session) == 0


def test_unknown_kind_is_refused_before_anything_is_stored(
    session: Session, tmp_path: Path
) -> None:
    store = LocalStorage(tmp_path)
    bed = make_bed(session, owner=make_user(session))
    with pytest.raises(RequestError):
        crud.store_file(session, storage=store, bed=bed, upload=io.BytesIO(b"x"), kind="exe")  # type: ignore[arg-type]
    assert list(store.list()) == []


def test_delete_file_removes_row_and_object(session: Session, tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    user = make_user(session)
    bed = make_bed(session, owner=user)
    row = crud.store_file(session, storage=store, bed=bed, upload=io.BytesIO(b"x"), kind="json")
    assert [f.id for f in crud.list_files(session, user=user, bed_id=bed.id)] == [row.id]
    crud.delete_file(session, file=row, storage=store)
    assert _rows(session) == 0 and list(store.list()) == []


@pytest.mark.parametrize("name", ["a\\b\\c.stl", "x\x00y.stl", "/abs/z.stl", ".."])
def test_display_filename(name: str) -> None:
    shown = crud.display_filename(name)
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown

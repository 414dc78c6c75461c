"""Beds are created from a BedSpec with their main parameters in typed columns, and searched."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError
from bedflow.db import BedFile, crud
from bedflow.dsl import format_spec, load, parse, spec_hash
from bedflow.storage import LocalStorage
from tests.utils.beds import EXAMPLES
from tests.utils.db import make_bed, make_project, make_user


def test_create_fills_the_typed_columns_from_the_spec(session: Session) -> None:
    user = make_user(session)
    spec = load(EXAMPLES[0])
    bed = crud.create_bed(session, owner=user, spec=spec)
    session.expire_all()
    assert bed.name == spec.name and bed.description == spec.description
    assert bed.column_diameter == spec.bed.diameter and bed.column_height == spec.bed.height
    assert bed.particle_kind == spec.particles.kind
    assert bed.particle_diameter == spec.particles.diameter
    assert bed.particle_count == spec.particles.count
    assert bed.packing_method == spec.packing_method and bed.packing_method != "auto"
    assert bed.solver == spec.cfd.solver
    assert bed.spec_hash == spec_hash(spec) and bed.bed_text == format_spec(spec)
    assert crud.bed_spec(bed) == spec
    assert bed.created_at.tzinfo is not None


def test_every_example_round_trips(session: Session) -> None:
    user = make_user(session)
    for path in EXAMPLES:
        spec = load(path)
        bed = crud.create_bed(session, owner=user, spec=spec)
        assert parse(bed.bed_text) == spec


def test_filters_on_parameter_ranges(session: Session) -> None:
    user = make_user(session)
    make_bed(session, owner=user, name="narrow", bed="diameter = 30 mm;", particles="count = 50;")
    make_bed(session, owner=user, name="mid", bed="diameter = 50 mm;", particles="count = 200;")
    make_bed(session, owner=user, name="wide", bed="diameter = 80 mm;", particles="count = 400;")

    def names(**filters: object) -> list[str]:
        return [b.name for b in crud.list_beds(session, user=user, sort="name", **filters).data]

    assert names(diameter_min=0.04) == ["mid", "wide"]
    assert names(diameter_min=0.03, diameter_max=0.05) == ["mid", "narrow"]
    assert names(count_min=100, count_max=300) == ["mid"]
    assert names(name_contains="AR") == ["narrow"]
    assert names(name_contains="%") == []
    assert names(particle_kind="sphere", solver="lbm", packing_method="dem") == [
        "mid",
        "narrow",
        "wide",
    ]
    with pytest.raises(RequestError):
        names(diameter_min=0.1, diameter_max=0.01)


def test_pagination_and_sorting(session: Session) -> None:
    user = make_user(session)
    for i in range(5):
        make_bed(session, owner=user, name=f"b{i}", particles=f"count = {10 + i};")
    page = crud.list_beds(session, user=user, sort="-particle_count", offset=1, limit=2)
    assert page.count == 5 and [b.name for b in page.data] == ["b3", "b2"]
    for bad in ({"sort": "password"}, {"limit": 0}, {"offset": -1}):
        with pytest.raises(RequestError):
            crud.list_beds(session, user=user, **bad)  # type: ignore[arg-type]


def test_update_renames_through_the_spec(session: Session) -> None:
    user = make_user(session)
    project = make_project(session, owner=user)
    bed = make_bed(session, owner=user)
    before = bed.spec_hash
    crud.update_bed(session, bed=bed, name="renamed", description="d", project_id=project.id)
    assert (bed.name, bed.spec["name"], bed.description, bed.project_id) == (
        "renamed",
        "renamed",
        "d",
        project.id,
    )
    assert bed.spec_hash == before, "renaming does not change what is packed"
    crud.update_bed(session, bed=bed, spec=parse("bed { } particles { count = 7; }"))
    assert bed.particle_count == 7 and bed.spec_hash != before and bed.name == "bed"
    crud.update_bed(session, bed=bed, clear_project=True)
    assert bed.project_id is None


def test_deleting_a_bed_deletes_its_files_and_objects(session: Session, tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    user = make_user(session)
    bed, other = make_bed(session, owner=user), make_bed(session, owner=user)
    for b in (bed, bed, other):
        crud.store_file(session, storage=store, bed=b, upload=io.BytesIO(b"data"), kind="stl")
    crud.create_simulation(session, bed=bed, solver="lbm")
    crud.delete_bed(session, bed=bed, storage=store)
    assert session.scalar(select(func.count()).select_from(BedFile)) == 1
    assert list(store.list("beds/")) == [f.object_key for f in other.files]
    assert crud.list_simulations(session, user=user).count == 0

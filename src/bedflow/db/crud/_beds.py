"""Beds: created from a BedSpec, listed with filters on their parameters, deleted with files."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow.db._accounts import User
from bedflow.db._beds import Bed, BedFile
from bedflow.db.crud._access import visible_beds_query, writable_beds_query
from bedflow.db.crud._common import Page, check_range, paginate
from bedflow.dsl import BedSpec, canonical_json, format_spec, spec_hash
from bedflow.storage import Storage

__all__ = [
    "BED_SORT_KEYS",
    "bed_spec",
    "create_bed",
    "delete_bed",
    "get_bed",
    "list_beds",
    "update_bed",
]

log = logging.getLogger(__name__)

BED_SORT_KEYS = {
    "created_at": Bed.created_at,
    "updated_at": Bed.updated_at,
    "name": Bed.name,
    "column_diameter": Bed.column_diameter,
    "column_height": Bed.column_height,
    "particle_diameter": Bed.particle_diameter,
    "particle_count": Bed.particle_count,
}


def _fill(bed: Bed, spec: BedSpec) -> None:
    """Copy the spec and its main parameters (SI) into the bed's columns."""
    bed.name = spec.name
    bed.description = spec.description
    bed.spec = json.loads(canonical_json(spec))
    bed.bed_text = format_spec(spec)
    bed.spec_hash = spec_hash(spec)
    bed.column_diameter = spec.bed.diameter
    bed.column_height = spec.bed.height
    bed.particle_kind = spec.particles.kind
    bed.particle_diameter = spec.particles.diameter
    bed.particle_count = spec.particles.count
    bed.packing_method = spec.packing_method
    bed.solver = spec.cfd.solver


def bed_spec(bed: Bed) -> BedSpec:
    """The bed's stored spec, validated again."""
    return BedSpec.model_validate(bed.spec)


def create_bed(
    session: Session, *, owner: User, spec: BedSpec, project_id: uuid.UUID | None = None
) -> Bed:
    """A new bed from a validated spec.

    >>> bed = create_bed(session, owner=user, spec=dsl.parse(text))  # doctest: +SKIP
    """
    bed = Bed(owner_id=owner.id, project_id=project_id)
    _fill(bed, spec)
    session.add(bed)
    session.commit()
    return bed


def get_bed(session: Session, *, user: User, bed_id: uuid.UUID, write: bool = False) -> Bed | None:
    """The bed if ``user`` may read it (or, with ``write``, change it), else None."""
    query = writable_beds_query(user) if write else visible_beds_query(user)
    return session.scalar(query.where(Bed.id == bed_id))


def list_beds(
    session: Session,
    *,
    user: User,
    offset: int = 0,
    limit: int = 50,
    sort: str = "-created_at",
    name_contains: str | None = None,
    project_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    particle_kind: str | None = None,
    packing_method: str | None = None,
    solver: str | None = None,
    spec_hash: str | None = None,
    diameter_min: float | None = None,
    diameter_max: float | None = None,
    height_min: float | None = None,
    height_max: float | None = None,
    particle_diameter_min: float | None = None,
    particle_diameter_max: float | None = None,
    count_min: int | None = None,
    count_max: int | None = None,
) -> Page[Bed]:
    """The beds ``user`` may see that match every filter given; lengths in m, ranges inclusive."""
    stmt = visible_beds_query(user)
    equal: dict[str, Any] = {
        "project_id": project_id,
        "owner_id": owner_id,
        "particle_kind": particle_kind,
        "packing_method": packing_method,
        "solver": solver,
        "spec_hash": spec_hash,
    }
    for field, value in equal.items():
        if value is not None:
            stmt = stmt.where(getattr(Bed, field) == value)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Bed.name.ilike(f"%{escaped}%", escape="\\"))
    ranges: list[tuple[str, Any, float | None, float | None]] = [
        ("diameter", Bed.column_diameter, diameter_min, diameter_max),
        ("height", Bed.column_height, height_min, height_max),
        ("particle_diameter", Bed.particle_diameter, particle_diameter_min, particle_diameter_max),
        ("count", Bed.particle_count, count_min, count_max),
    ]
    for name, column, low, high in ranges:
        check_range(name, low, high)
        if low is not None:
            stmt = stmt.where(column >= low)
        if high is not None:
            stmt = stmt.where(column <= high)
    return paginate(
        session,
        stmt,
        offset=offset,
        limit=limit,
        sort=sort,
        sortable=BED_SORT_KEYS,
        tiebreak=Bed.id,
    )


def update_bed(
    session: Session,
    *,
    bed: Bed,
    spec: BedSpec | None = None,
    name: str | None = None,
    description: str | None = None,
    project_id: uuid.UUID | None = None,
    clear_project: bool = False,
) -> Bed:
    """Replace the spec and/or rename the bed (the spec stays the one source of the name)."""
    new = spec or bed_spec(bed)
    changes = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
    if changes:
        new = BedSpec.model_validate({**new.model_dump(), **changes})
    _fill(bed, new)
    if clear_project:
        bed.project_id = None
    elif project_id is not None:
        bed.project_id = project_id
    session.commit()
    return bed


def delete_bed(session: Session, *, bed: Bed, storage: Storage) -> None:
    """Delete the bed, its rows and its objects in the store.

    Rows go first: an object whose delete then fails is logged and left for a sweep, which is
    better than rows that point at objects already gone.
    """
    keys = list(session.scalars(select(BedFile.object_key).where(BedFile.bed_id == bed.id)))
    session.delete(bed)
    session.commit()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:
            log.exception("could not delete object %s of deleted bed %s", key, bed.id)

"""Beds: created from a BedSpec, listed with filters on their parameters, deleted with files."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from typing import Any, TypedDict, Unpack

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError
from bedflow.db._accounts import User
from bedflow.db._beds import Bed, BedFile
from bedflow.db.crud._access import (
    visible_beds_clause,
    visible_beds_query,
    writable_beds_query,
)
from bedflow.db.crud._common import MAX_LIMIT, Page, check_range, paginate
from bedflow.dsl import BedSpec, canonical_json, format_spec, spec_hash
from bedflow.storage import Storage

__all__ = [
    "BED_SORT_KEYS",
    "BED_SUMMARY_COLUMNS",
    "BedFilters",
    "bed_spec",
    "create_bed",
    "delete_bed",
    "get_bed",
    "list_bed_summaries",
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

BED_SUMMARY_COLUMNS = (
    Bed.id,
    Bed.owner_id,
    Bed.project_id,
    Bed.name,
    Bed.description,
    Bed.spec_hash,
    Bed.column_diameter,
    Bed.column_height,
    Bed.particle_kind,
    Bed.particle_diameter,
    Bed.particle_count,
    Bed.packing_method,
    Bed.solver,
    Bed.created_at,
    Bed.updated_at,
)
"""A bed without its spec and `.bed` text: what a listing shows (the two make most of a row)."""


class BedFilters(TypedDict, total=False):
    """The filters of a bed listing: equal values, a name fragment, inclusive ranges in SI."""

    name_contains: str | None
    project_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    particle_kind: str | None
    packing_method: str | None
    solver: str | None
    spec_hash: str | None
    diameter_min: float | None
    diameter_max: float | None
    height_min: float | None
    height_max: float | None
    particle_diameter_min: float | None
    particle_diameter_max: float | None
    count_min: int | None
    count_max: int | None


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
    **filters: Unpack[BedFilters],
) -> Page[Bed]:
    """The beds ``user`` may see that match every filter given; lengths in m, ranges inclusive.

    Whole ORM objects with their specs; :func:`list_bed_summaries` is the cheaper listing.
    """
    stmt = _filtered(user, **filters)
    return paginate(
        session,
        stmt,
        offset=offset,
        limit=limit,
        sort=sort,
        sortable=BED_SORT_KEYS,
        tiebreak=Bed.id,
    )


def list_bed_summaries(
    session: Session,
    *,
    user: User,
    offset: int = 0,
    limit: int = 50,
    sort: str = "-created_at",
    count: int | None = None,
    **filters: Unpack[BedFilters],
) -> Page[Row[*tuple[Any, ...]]]:
    """Like :func:`list_beds`, as rows of :data:`BED_SUMMARY_COLUMNS` (attributes by name).

    One statement in the usual case: the page is chosen on the ids alone, with the number of
    matches counted alongside (a window over the same scan), and only those rows are read in
    full. A second query counts only when a page past the end comes back empty. The
    statement is built once per shape (which filters, admin or not, sort) and then only run
    with new values: building and keying it took a fifth of a listing's time in the server.

    ``count``, when the caller already knows how many beds match (from an earlier page of the
    same filters), is returned as the page's count and nothing is counted: the scan stops at
    the page's end instead of running over every match.

    >>> page = list_bed_summaries(session, user=user, particle_kind="sphere")  # doctest: +SKIP
    >>> page.count, [bed.name for bed in page.data]  # doctest: +SKIP
    """
    if offset < 0:
        raise RequestError("offset must be 0 or more")
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestError(f"limit must be between 1 and {MAX_LIMIT}")
    if sort.removeprefix("-") not in BED_SORT_KEYS:
        raise RequestError(
            f"cannot sort by {sort!r}; use one of {', '.join(sorted(BED_SORT_KEYS))}"
        )
    given, values = _filter_values(user, filters)
    stmt = _summary_statement(user.is_admin, given, sort, count is None)
    rows = session.execute(stmt, {**values, "page_offset": offset, "page_limit": limit}).all()
    if count is not None:
        return Page(data=rows, count=count)
    if rows:
        count = int(rows[0].total)
    elif offset == 0:
        count = 0
    else:
        ids = _where_template(user.is_admin, given).with_only_columns(Bed.id).subquery()
        count = session.scalar(select(func.count()).select_from(ids), values) or 0
    return Page(data=rows, count=count)


_EQUAL_FILTERS = (
    "project_id",
    "owner_id",
    "particle_kind",
    "packing_method",
    "solver",
    "spec_hash",
)
_RANGE_FILTERS = {
    "diameter": Bed.column_diameter,
    "height": Bed.column_height,
    "particle_diameter": Bed.particle_diameter,
    "count": Bed.particle_count,
}


def _filter_values(user: User, filters: BedFilters) -> tuple[frozenset[str], dict[str, Any]]:
    """The filters given (not None) and the values of their bound parameters."""
    unknown = filters.keys() - BedFilters.__annotations__.keys()
    if unknown:
        raise TypeError(f"unknown bed filters: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {name: value for name, value in filters.items() if value is not None}
    if not values.get("name_contains", True):
        del values["name_contains"]  # an empty fragment matches every name
    for name in _RANGE_FILTERS:
        check_range(name, values.get(f"{name}_min"), values.get(f"{name}_max"))
    if "name_contains" in values:
        fragment = str(values["name_contains"])
        escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values["name_contains"] = f"%{escaped}%"
    given = frozenset(values)
    if not user.is_admin:
        values["viewer_id"] = user.id
    return given, values


@functools.lru_cache(maxsize=512)
def _where_template(admin: bool, given: frozenset[str]) -> Select[Bed]:
    """The beds a viewer (bound parameter ``viewer_id``) may see that match the filters named
    in ``given`` (bound parameters of the same names)."""
    stmt = select(Bed)
    if not admin:
        stmt = stmt.where(visible_beds_clause(bindparam("viewer_id", type_=Bed.owner_id.type)))
    for name in _EQUAL_FILTERS:
        if name in given:
            stmt = stmt.where(getattr(Bed, name) == bindparam(name))
    if "name_contains" in given:
        stmt = stmt.where(Bed.name.ilike(bindparam("name_contains"), escape="\\"))
    for name, column in _RANGE_FILTERS.items():
        if f"{name}_min" in given:
            stmt = stmt.where(column >= bindparam(f"{name}_min"))
        if f"{name}_max" in given:
            stmt = stmt.where(column <= bindparam(f"{name}_max"))
    return stmt


@functools.lru_cache(maxsize=1024)
def _summary_statement(
    admin: bool, given: frozenset[str], sort: str, counted: bool
) -> Select[*tuple[Any, ...]]:
    """One page of summaries, with the number of matches as ``total`` when ``counted``;
    offset and limit bound too."""
    column = BED_SORT_KEYS[sort.removeprefix("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    ids = [Bed.id, func.count().over().label("total")] if counted else [Bed.id]
    # The tiebreak keeps pages stable when many rows share the sort value.
    page = (
        _where_template(admin, given)
        .with_only_columns(*ids)
        .order_by(order, Bed.id)
        .offset(bindparam("page_offset"))
        .limit(bindparam("page_limit"))
        .subquery("page")
    )
    columns = [*BED_SUMMARY_COLUMNS, page.c.total] if counted else BED_SUMMARY_COLUMNS
    return select(*columns).join_from(Bed, page, page.c.id == Bed.id).order_by(order, Bed.id)


def _filtered(user: User, **filters: Unpack[BedFilters]) -> Select[Bed]:
    """The beds ``user`` may see that match every filter given."""
    given, values = _filter_values(user, filters)
    return _where_template(user.is_admin, given).params(**values)


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

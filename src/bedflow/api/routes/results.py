"""Results: list, read, and several side by side."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, SessionDep
from bedflow.api.schemas import ErrorBody, MetricRow, ResultPublic, ResultsComparison, ResultsPublic
from bedflow.db import crud

router = APIRouter(prefix="/results", tags=["results"], responses={404: {"model": ErrorBody}})

MAX_COMPARED = 20
METRICS = (
    ("porosity", ""),
    ("pressure_drop_per_length", "Pa/m"),
    ("uncertainty.uncertainty", "Pa/m"),
    ("correlations.ergun", "Pa/m"),
    ("correlations.carman_kozeny", "Pa/m"),
    ("correlations.eisfeld_schnitzlein", "Pa/m"),
    ("ratio_to_correlations.ergun", ""),
    ("ratio_to_correlations.carman_kozeny", ""),
    ("ratio_to_correlations.eisfeld_schnitzlein", ""),
    ("permeability", "m2"),
    ("particle_reynolds", ""),
    ("friction_factor", ""),
    ("superficial_velocity", "m/s"),
)
"""The compared figures: a field of ``ResultPublic``, dotted into its parts (null where a
result has none, such as the uncertainty of a single-resolution run)."""


def _figure(result: ResultPublic, metric: str) -> float | None:
    value: object = result
    for part in metric.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, float) else None


@router.get("")
def list_results(
    session: SessionDep,
    user: CurrentUser,
    simulation_id: uuid.UUID | None = None,
    bed_id: uuid.UUID | None = None,
) -> ResultsPublic:
    """The results the user may see, of one simulation or one bed, oldest first."""
    rows = crud.list_results(session, user=user, simulation_id=simulation_id, bed_id=bed_id)
    return ResultsPublic(data=[ResultPublic.from_row(r) for r in rows], count=len(rows))


@router.get("/compare")
def compare_results(
    session: SessionDep,
    user: CurrentUser,
    ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=MAX_COMPARED)],
) -> ResultsComparison:
    """Results side by side, in the order asked: ``/results/compare?ids=A&ids=B``.

    One row per metric (simulated pressure drop and its uncertainty next to Ergun,
    Carman-Kozeny and Eisfeld-Schnitzlein, and the ratios to them). 404 when any of them
    is not visible to the user.
    """
    wanted = list(dict.fromkeys(ids))
    found = {r.id: r for r in crud.list_results(session, user=user, result_ids=wanted)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ApiError(404, "result not found", details=[{"id": i} for i in missing])
    results = [ResultPublic.from_row(found[i]) for i in wanted]
    rows = [
        MetricRow(metric=name, unit=unit, values=[_figure(r, name) for r in results])
        for name, unit in METRICS
    ]
    return ResultsComparison(data=results, metrics=rows)


@router.get("/{result_id}")
def read_result(session: SessionDep, user: CurrentUser, result_id: uuid.UUID) -> ResultPublic:
    """One result."""
    result = crud.get_result(session, user=user, result_id=result_id)
    if result is None:
        raise ApiError(404, "result not found")
    return ResultPublic.from_row(result)

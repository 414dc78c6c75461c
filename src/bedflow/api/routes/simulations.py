"""Simulations: list, read, and the history of a bed."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, OwnedBed, SessionDep
from bedflow.api.schemas import ErrorBody, SimulationPublic, SimulationsPublic
from bedflow.db import JobStatus, crud

router = APIRouter(tags=["simulations"], responses={404: {"model": ErrorBody}})

Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=200)]
Sort = Literal["created_at", "-created_at", "duration_s", "-duration_s"]


@router.get("/simulations")
def list_simulations(
    session: SessionDep,
    user: CurrentUser,
    bed_id: uuid.UUID | None = None,
    status: JobStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
    sort: Sort = "-created_at",
) -> SimulationsPublic:
    """The simulations the user may see, newest first."""
    page = crud.list_simulations(
        session, user=user, bed_id=bed_id, status=status, offset=offset, limit=limit, sort=sort
    )
    return SimulationsPublic(
        data=[SimulationPublic.model_validate(s) for s in page.data], count=page.count
    )


@router.get("/simulations/{simulation_id}")
def read_simulation(
    session: SessionDep, user: CurrentUser, simulation_id: uuid.UUID
) -> SimulationPublic:
    """One simulation."""
    sim = crud.get_simulation(session, user=user, simulation_id=simulation_id)
    if sim is None:
        raise ApiError(404, "simulation not found")
    return SimulationPublic.model_validate(sim)


@router.get("/beds/{bed_id}/simulations")
def bed_history(
    session: SessionDep,
    user: CurrentUser,
    bed: OwnedBed,
    status: JobStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> SimulationsPublic:
    """The simulation history of a bed, newest first."""
    page = crud.list_simulations(
        session, user=user, bed_id=bed.id, status=status, offset=offset, limit=limit
    )
    return SimulationsPublic(
        data=[SimulationPublic.model_validate(s) for s in page.data], count=page.count
    )

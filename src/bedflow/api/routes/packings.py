"""What the dashboard draws of a bed: its particles for an instanced 3D view, its porosity
profiles, and the published pressure-drop correlations over a range of velocities (computed
here: the browser holds no physics)."""

from __future__ import annotations

import hashlib
import itertools
import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from bedflow.api._errors import ApiError
from bedflow.api._packings import (
    latest_packing,
    load_packed,
    not_packed,
    particle_arrays,
    read_json,
)
from bedflow.api.deps import CurrentUser, OwnedBed, SessionDep, StorageDep
from bedflow.api.schemas import ErrorBody
from bedflow.api.schemas.web import (
    AxialProfile,
    CorrelationPoint,
    CorrelationsPublic,
    ParticlesPublic,
    ProfilesPublic,
    RadialProfile,
)
from bedflow.db import Bed, User, crud
from bedflow.dsl import BedSpec
from bedflow.storage import Storage

router = APIRouter(prefix="/beds", tags=["beds"], responses={404: {"model": ErrorBody}})


@router.get("/{bed_id}/particles", response_model=ParticlesPublic, responses={304: {}})
def read_particles(
    request: Request, response: Response, session: SessionDep, storage: StorageDep, bed: OwnedBed
) -> ParticlesPublic | Response:
    """The particles of the bed's newest packing, compact for an instanced 3D view: base64
    of little-endian float32 arrays, ``positions`` (count x 3 centres, m), ``orientations``
    (count x 4 quaternions x, y, z, w) and ``sizes`` (count diameters, m). 404 when the bed
    was not packed yet. The exact surface (GLB, STL) is among the bed's files.

    The answer carries an ``ETag`` (a packing's files never change: a new packing has new
    ones); a request with ``If-None-Match`` of the same packing answers 304 with no body."""
    files = latest_packing(session, bed)
    if files is None:
        raise not_packed()
    digest = hashlib.sha256(f"{files.header}\n{files.arrays}".encode()).hexdigest()[:32]
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return ParticlesPublic.model_validate(particle_arrays(load_packed(storage, files)))


def _midpoints(edges: list[float]) -> list[float]:
    return [0.5 * (a + b) for a, b in itertools.pairwise(edges)]


@router.get("/{bed_id}/profiles")
def read_profiles(session: SessionDep, storage: StorageDep, bed: OwnedBed) -> ProfilesPublic:
    """The radial porosity profile (coaxial shells, against their mid radius from the axis)
    and the axial one (horizontal slabs, against their mid height), from the newest
    packing's metrics; 404 when the bed was not packed yet."""
    files = latest_packing(session, bed)
    if files is None:
        raise not_packed()
    if files.metrics is None:
        return ProfilesPublic(radial=None, axial=None)
    profiles = read_json(storage, files.metrics).get("profiles") or {}
    radial, axial = profiles.get("radial"), profiles.get("axial")
    return ProfilesPublic(
        radial=None
        if not radial
        else RadialProfile(r=_midpoints(radial["edges_m"]), porosity=radial["porosity"]),
        axial=None
        if not axial
        else AxialProfile(z=_midpoints(axial["edges_m"]), porosity=axial["porosity"]),
    )


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _porosity(
    session: Session, storage: Storage, user: User, bed: Bed, spec: BedSpec
) -> tuple[float, str]:
    """The bed's porosity and where it comes from (see ``CorrelationsPublic``)."""
    results = crud.list_results(session, user=user, bed_id=bed.id)
    for result in reversed(results):
        if (value := _finite(result.porosity)) is not None and 0.0 < value < 1.0:
            return value, "result"
    files = latest_packing(session, bed)
    if files is not None and files.metrics is not None:
        metrics = read_json(storage, files.metrics)
        for key in ("bulk_porosity", "porosity"):
            if (value := _finite(metrics.get(key))) is not None and 0.0 < value < 1.0:
                return value, "packing"
    if spec.particles.target_porosity is not None:
        return spec.particles.target_porosity, "spec"
    from bedflow.geometry import expected_porosity  # heavy: imported when needed

    return expected_porosity(spec), "expected"


def _velocities(low: float, high: float, n: int) -> list[float]:
    if low > 0.0:  # log-spaced: the curves bend over decades of Re
        ratio = (high / low) ** (1.0 / (n - 1))
        return [low * ratio**i for i in range(n)]
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def _points(spec: BedSpec, porosity: float, velocities: list[float]) -> list[CorrelationPoint]:
    from bedflow.cfd import correlations_for, particle_reynolds_number  # heavy, as above

    c = spec.cfd
    d = spec.particles.diameter
    return [
        CorrelationPoint(
            superficial_velocity=u,
            particle_reynolds=float(
                particle_reynolds_number(u=u, d=d, rho=c.fluid_density, mu=c.fluid_viscosity)
            ),
            **correlations_for(
                spec, porosity=porosity, velocity=u, column_diameter=spec.bed.diameter
            ),
        )
        for u in velocities
    ]


@router.get("/{bed_id}/correlations", responses={422: {"model": ErrorBody}})
def read_correlations(
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    bed: OwnedBed,
    min_velocity: Annotated[
        float | None, Query(ge=0.0, le=1e3, description="m/s; default the inlet's / 10")
    ] = None,
    max_velocity: Annotated[
        float | None, Query(gt=0.0, le=1e3, description="m/s; default the inlet's x 10")
    ] = None,
    n: Annotated[int, Query(ge=2, le=500, description="number of points")] = 50,
) -> CorrelationsPublic:
    """Pressure drop per length (Pa/m) of the Ergun, Carman-Kozeny and Eisfeld-Schnitzlein
    correlations for this bed (its particle diameter, column, fluid) at ``n`` superficial
    velocities from ``min_velocity`` to ``max_velocity`` (log-spaced when the lower end is
    above 0), with the particle Reynolds number of each. The porosity is the bed's latest
    result's, else its packing's, else the spec's target, else the expected one of a random
    pour; ``porosity_from`` says which."""
    spec = crud.bed_spec(bed)
    inlet = spec.cfd.inlet_velocity
    low = inlet / 10.0 if min_velocity is None else min_velocity
    high = inlet * 10.0 if max_velocity is None else max_velocity
    if not high > low:
        raise ApiError(422, f"max_velocity ({high:g} m/s) must exceed min_velocity ({low:g} m/s)")
    porosity, source = _porosity(session, storage, user, bed, spec)
    points = _points(spec, porosity, _velocities(low, high, n))
    return CorrelationsPublic(porosity=porosity, porosity_from=source, points=points)

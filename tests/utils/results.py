"""Factories of flow results: a real ``FlowResult`` (its derived figures computed as a solver's
are) and its stored row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedflow import cfd
from bedflow.db import Result, Simulation, crud
from bedflow.dsl import parse, spec_hash
from bedflow.pipeline import FlowRecord
from tests.utils.beds import bed_text

SPEC = parse(bed_text())


def flow_result(
    *,
    dp: float = 6.0,
    porosity: float = 0.41,
    solver: str = "lbm",
    uncertainty: cfd.GridConvergence | None = None,
) -> cfd.FlowResult:
    """An lbm-like result of the default test bed (5 mm spheres in a 50 mm column, 0.01 m/s)
    with dp/L ``dp`` (Pa/m)."""
    return cfd.FlowResult.from_pressure_drop(
        SPEC,
        solver=solver,
        solver_version="test 1.0",
        pressure_drop_per_length=dp,
        porosity=porosity,
        column_diameter=SPEC.bed.diameter,
        iterations=900,
        converged=True,
        history=((100.0, 1e-3), (900.0, 1e-7)),
        timings={"solve_s": 1.5, "mlups": 12.0},
        domain={
            "slab_m": [0.01, 0.03],
            "slab_from": "bulk band",
            "cells": [80, 40, 40],
            "cells_per_dp": 20,
            "tau": 0.8,
        },
        fields={"vti": "flow.vti"},
        notes=("a note",),
        uncertainty=uncertainty,
    )


def grid_convergence(dp: float = 6.0) -> cfd.GridConvergence:
    """A converged three-grid study whose finest value is ``dp`` (Pa/m)."""
    return cfd.GridConvergence(
        cells_per_dp=(40.0, 20.0, 10.0),
        values=(dp, dp * 1.02, dp * 1.08),
        observed_order=2.0,
        extrapolated=dp * 0.993,
        gci=0.0085,
        safety_factor=1.25,
        uncertainty=0.0085 * dp,
        converged=True,
        notes=("three grids",),
    )


def store_result(
    session: Session, simulation: Simulation, flow: cfd.FlowResult | None = None
) -> Result:
    """``flow`` (default :func:`flow_result`) stored as ``simulation``'s result."""
    record = FlowRecord.of(flow or flow_result())
    return crud.create_result(
        session, simulation=simulation, flow=record, spec_hash=spec_hash(SPEC)
    )

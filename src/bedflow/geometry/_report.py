"""The measured quality of a packed bed as a JSON-ready report (``metrics.json``)."""

from __future__ import annotations

import math
from typing import Any

from bedflow.dsl import BedSpec
from bedflow.geometry import _constants as C
from bedflow.geometry._correlations import (
    benyahia_oneill_cylinder_porosity,
    benyahia_oneill_porosity,
    dixon_porosity,
    volume_equivalent_diameter,
)
from bedflow.geometry._packed import PackedBed

__all__ = ["METRICS_FORMAT", "packing_report", "quality_problems"]

METRICS_FORMAT = "bedflow-metrics"


def _num(x: float | None) -> float | None:
    """JSON has no NaN: a figure that does not exist (a bed too shallow for a band) is null."""
    return None if x is None or not math.isfinite(x) else float(x)


def quality_problems(packed: PackedBed) -> list[str]:
    """What makes this bed unfit for a flow simulation (empty when it is fine)."""
    m = packed.metrics
    out = []
    if not packed.settled:
        out.append("the bed did not come to rest within max_time")
    if m.unsettled:
        out.append(f"{m.unsettled} particles still move faster than rest_velocity")
    if m.escaped:
        out.append(f"{m.escaped} particles escaped the column")
    if m.max_overlap > C.MAX_ACCEPTED_OVERLAP:
        out.append(
            f"particles overlap by up to {m.max_overlap:.2%} of d "
            f"(accepted: {C.MAX_ACCEPTED_OVERLAP:.0%})"
        )
    if m.max_wall_penetration > C.MAX_ACCEPTED_WALL_PENETRATION:
        out.append(
            f"particles enter the wall by up to {m.max_wall_penetration:.2%} of d "
            f"(accepted: {C.MAX_ACCEPTED_WALL_PENETRATION:.0%})"
        )
    return out


def packing_report(packed: PackedBed, spec: BedSpec) -> dict[str, Any]:
    """Everything measured about a packing, with the published porosity next to it."""
    m = packed.metrics
    ratio = packed.column.diameter / packed.particle_diameter
    correlations: dict[str, Any] = {}
    if packed.kind == "sphere" and packed.column.shape == "cylinder":
        for key, fn, source in (
            ("dixon_1988", dixon_porosity, "Dixon (1988), Chem. Eng. Sci. 43, 1359"),
            (
                "benyahia_oneill_2005",
                benyahia_oneill_porosity,
                "Benyahia & O'Neill (2005), Part. Sci. Technol. 23, 169",
            ),
        ):
            value = fn(ratio)
            correlations[key] = {
                "porosity": value,
                "bulk_minus_correlation": _num(m.bulk_porosity - value),
                "source": source,
            }
    d_pe = volume_equivalent_diameter(
        packed.particle_diameter, packed.particle_length or packed.particle_diameter
    )
    tube = packed.column.diameter / d_pe
    if (
        packed.kind == "cylinder"
        and packed.column.shape == "cylinder"
        and tube >= C.BENYAHIA_ONEILL_CYLINDER_MIN_RATIO  # below, the fit runs past porosity 1
    ):
        value = benyahia_oneill_cylinder_porosity(tube)
        correlations["benyahia_oneill_2005_cylinders"] = {
            "porosity": value,
            "bulk_minus_correlation": _num(m.bulk_porosity - value),
            "source": "Benyahia & O'Neill (2005), Part. Sci. Technol. 23, 169 (solid cylinders)",
        }
    target = spec.particles.target_porosity
    problems = quality_problems(packed)
    return {
        "format": METRICS_FORMAT,
        "version": 1,
        "engine": packed.engine,
        "engine_version": packed.engine_version,
        "seed": packed.seed,
        "spec_hash": packed.spec_hash,
        "count": packed.count,
        "column_to_particle_ratio": ratio,
        "settled": packed.settled,
        "simulated_time_s": packed.simulated_time,
        "wall_time_s": packed.wall_time,
        "bed_height_m": m.bed_height,
        "porosity": _num(m.porosity),
        "bulk_porosity": _num(m.bulk_porosity),
        "bulk_band_m": [_num(v) for v in m.bulk_band],
        "coordination_number": _num(m.coordination_number),
        "max_overlap_fraction_of_d": _num(m.max_overlap),
        "mean_overlap_fraction_of_d": _num(m.mean_overlap),
        "max_wall_penetration_fraction_of_d": _num(m.max_wall_penetration),
        "escaped": m.escaped,
        "unsettled": m.unsettled,
        "correlations": correlations,
        "target_porosity": None
        if target is None
        else {
            "value": target,
            "bulk_minus_target": _num(m.bulk_porosity - target),
        },
        "quality": {"ok": not problems, "problems": problems},
        "notes": list(packed.notes),
        "profiles": {
            "axial": {
                "edges_m": m.axial_edges.tolist(),
                "porosity": [_num(v) for v in m.axial_porosity],
            },
            "radial": {
                "edges_m": m.radial_edges.tolist(),
                "porosity": [_num(v) for v in m.radial_porosity],
            },
        },
    }

"""`plot_profiles(packed, path)`: the radial and axial porosity profiles of a bed as a PNG.

Drawn with matplotlib's Agg canvas on a standalone ``Figure``: no pyplot state, no GUI, safe
in workers and threads.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from bedflow.geometry._packed import PackedBed

__all__ = ["plot_profiles"]

logger = logging.getLogger(__name__)


def plot_profiles(packed: PackedBed, path: str | Path, *, dpi: int = 120) -> Path:
    """Write a PNG of the porosity against distance from the wall and against height, both
    in particle diameters, from ``packed.metrics``; return its path.

    >>> from bedflow import dsl
    >>> from bedflow.geometry import pack
    >>> spec = dsl.parse("bed { diameter = 25 mm } particles { count = 30 }")
    >>> plot_profiles(pack(spec, engine="hexagonal_3d"), "profiles.png")  # doctest: +SKIP
    PosixPath('profiles.png')
    """
    # imported here: matplotlib takes a while to import and only this function needs it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(path)
    m = packed.metrics
    d = packed.particle_diameter
    col = packed.column
    radius = 0.5 * (col.diameter if col.shape == "cylinder" else min(col.width, col.depth))
    r_mid = 0.5 * (m.radial_edges[1:] + m.radial_edges[:-1])
    z_mid = 0.5 * (m.axial_edges[1:] + m.axial_edges[:-1])

    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    radial, axial = fig.subplots(1, 2)
    radial.plot((radius - r_mid) / d, m.radial_porosity, color="tab:blue", lw=1.2)
    radial.set_xlabel("distance from the wall / d")
    radial.set_ylabel("porosity")
    radial.set_title(f"radial profile (D/d = {2.0 * radius / d:.1f})")
    radial.set_xlim(0.0, radius / d)
    radial.set_ylim(0.0, 1.0)
    axial.plot(z_mid / d, m.axial_porosity, color="tab:green", lw=1.0)
    axial.set_xlabel("height above the floor / d")
    axial.set_ylabel("porosity")
    axial.set_title("axial profile")
    axial.set_ylim(0.0, 1.0)
    if not math.isnan(m.bulk_porosity):
        for ax in (radial, axial):
            ax.axhline(m.bulk_porosity, color="0.4", ls="--", lw=0.8)
        lo, hi = (np.asarray(m.bulk_band) / d).tolist()
        axial.axvspan(lo, hi, color="0.9", zorder=0, label=f"bulk {m.bulk_porosity:.3f}")
        axial.legend(loc="lower right")
    for ax in (radial, axial):
        ax.grid(True, lw=0.3)
    fig.suptitle(f"{packed.count} {packed.kind}s, {packed.engine}")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, format="png")
    logger.info("porosity profiles written to %s", out)
    return out

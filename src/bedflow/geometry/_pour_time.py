"""How long a pour may run: the default ``packing.max_time`` and the error of a short pour.

A pour that ends before every particle asked for is in the bed is a failure, not a smaller bed:
:func:`incomplete` builds the :class:`~bedflow._exceptions.PackingIncomplete` every engine
raises then.
"""

from __future__ import annotations

import math

from bedflow._exceptions import PackingIncomplete
from bedflow.dsl import BedSpec

__all__ = ["default_max_time", "incomplete", "max_time_for"]

#: Porosity used to estimate the height of the poured bed; loose on purpose (a taller bed
#: takes longer to pour).
ESTIMATE_POROSITY = 0.5
#: Height a batch falls from rest before the next one is released, in particle sizes (the
#: spawn slab, the gap above the bed and one pore).
BATCH_FALL = 3.5
#: Margin on the estimated pour time.
SAFETY = 3.0
#: Simulated time added for the bed to come to rest after the last batch, s.
SETTLE_TIME = 2.0
#: The shortest default, s: the fixed default of earlier versions, which small beds of every
#: engine were known to pour within.
MIN_DEFAULT = 10.0


def default_max_time(spec: BedSpec, count: int) -> float:
    """The simulated time (s) a pour of ``count`` particles of ``spec`` may take by default.

    The batches of a pour each add about one particle layer to the bed, and each falls
    ``BATCH_FALL`` particle sizes from rest before the next is released, so pouring a bed of
    height ``H`` takes about ``(H / d) sqrt(2 BATCH_FALL d / g)``; ``H`` is the height of
    ``count`` particles at porosity ``ESTIMATE_POROSITY``. The default is ``SAFETY`` times that
    plus ``SETTLE_TIME``, at least ``MIN_DEFAULT``: 4.4 s, so 10 s, for 1,000 spheres of 5 mm
    in a 50 mm column (the DEM needs 1.2 s), 50 s for 20,000 (it scales with the count). A
    pour that settles earlier stops earlier, so the margin costs nothing.
    """
    part = spec.particles
    size = max(part.diameter, part.length or 0.0)
    g = math.sqrt(sum(c * c for c in spec.packing.gravity))
    height = count * part.volume / ((1.0 - ESTIMATE_POROSITY) * spec.bed.cross_section)
    layers = max(height / size, 1.0)
    pour = layers * math.sqrt(2.0 * BATCH_FALL * size / g)
    return max(SAFETY * pour + SETTLE_TIME, MIN_DEFAULT)


def max_time_for(spec: BedSpec, count: int) -> float:
    """``packing.max_time`` when the spec sets it, else :func:`default_max_time`, s."""
    given = spec.packing.max_time
    return given if given is not None else default_max_time(spec, count)


def incomplete(spec: BedSpec, *, placed: int, count: int, max_time: float) -> PackingIncomplete:
    """The error of a pour that reached ``max_time`` with ``placed`` of ``count`` in the bed."""
    given = spec.packing.max_time is not None
    how = "packing.max_time" if given else "the default max_time"
    advice = (
        f"raise packing.max_time (to at least {max_time * count / max(placed, 1):.3g} s) "
        if given
        else "set a longer packing.max_time "
    )
    return PackingIncomplete(
        f"the pour stopped at {how} = {max_time:.3g} s with {placed} of {count} particles "
        f"in the bed; {advice}or pour fewer particles (particles.count, or a shorter "
        "bed.height)",
        placed=placed,
        count=count,
    )

"""Published correlations for the mean porosity of spheres and solid cylinders randomly packed
in a cylinder."""

from __future__ import annotations

import math

__all__ = [
    "benyahia_oneill_cylinder_porosity",
    "benyahia_oneill_porosity",
    "dixon_porosity",
    "volume_equivalent_diameter",
]


def _ratio(aspect_ratio: float) -> float:
    if not (math.isfinite(aspect_ratio) and aspect_ratio > 0.0):
        raise ValueError(f"aspect ratio D/d must be positive, got {aspect_ratio!r}")
    return 1.0 / aspect_ratio


def dixon_porosity(aspect_ratio: float) -> float:
    """Mean porosity of a random bed of spheres in a tube, Dixon (1988).

    ``aspect_ratio`` is ``D / d``, tube over sphere diameter. With ``x = d / D``::

        eps = 0.4 + 0.05 x + 0.412 x**2                    x <= 0.5
        eps = 0.528 + 2.464 (x - 0.5)                      0.5 <= x <= 0.536
        eps = 1 - 0.667 x**3 (2 x - 1) ** -0.5             0.536 <= x   (single file)

    Source: A. G. Dixon, "Correlations for wall and particle shape effects on fixed bed bulk
    voidage", Can. J. Chem. Eng. 66 (1988) 705-708. The first branch (D/d >= 2) is the one
    widely quoted; the three branches join continuously (0.528 at x = 0.5, 0.617 at
    x = 0.536). Fitted to measured mean voidages of whole beds; it tends to 0.4 for D/d -> inf.

    >>> round(dixon_porosity(10.0), 5)
    0.40912
    """
    x = _ratio(aspect_ratio)
    if x <= 0.5:
        return 0.4 + 0.05 * x + 0.412 * x * x
    if x <= 0.536:
        return 0.528 + 2.464 * (x - 0.5)
    if x >= 1.0:
        raise ValueError(f"spheres do not fit in the tube: D/d = {aspect_ratio!r} <= 1")
    return 1.0 - 0.667 * x**3 / math.sqrt(2.0 * x - 1.0)


def benyahia_oneill_porosity(aspect_ratio: float) -> float:
    """Mean porosity of a random bed of spheres in a tube, Benyahia & O'Neill (2005).

    ``eps = 0.390 + 1.740 / (D/d + 1.140) ** 2``, for ``1.5 < D/d < 50`` (mean error 1.5 %).

    Source: F. Benyahia, K. E. O'Neill, "Enhanced voidage correlations for packed beds of
    various particle shapes and sizes", Particulate Science and Technology 23 (2005) 169-177,
    doi:10.1080/02726350590922242.

    >>> round(benyahia_oneill_porosity(50.0), 6)
    0.390665
    """
    ratio = 1.0 / _ratio(aspect_ratio)
    return 0.390 + 1.740 / (ratio + 1.140) ** 2


def benyahia_oneill_cylinder_porosity(aspect_ratio: float) -> float:
    """Mean porosity of a random bed of solid cylinders in a tube, Benyahia & O'Neill (2005).

    ``aspect_ratio`` is ``D / d_pe``, tube diameter over the diameter of the sphere of the
    particle's volume (:func:`volume_equivalent_diameter`)::

        eps = 0.373 + 1.703 / (D/d_pe + 0.611) ** 2        1.7 < D/d_pe < 26.3

    Source: F. Benyahia, K. E. O'Neill, "Enhanced voidage correlations for packed beds of
    various particle shapes and sizes", Particulate Science and Technology 23 (2005) 169-177,
    doi:10.1080/02726350590922242 (mean error 1.6 %). Fitted to measured mean voidages of whole
    poured beds, wall region included; it tends to 0.373 for D/d_pe -> inf. Equilateral
    cylinders (L = d) in a tube of ten diameters: d_pe = 1.145 d, 0.3925.

    >>> round(benyahia_oneill_cylinder_porosity(10.0 / volume_equivalent_diameter(1.0, 1.0)), 4)
    0.3925
    """
    ratio = 1.0 / _ratio(aspect_ratio)
    return 0.373 + 1.703 / (ratio + 0.611) ** 2


def volume_equivalent_diameter(diameter: float, length: float) -> float:
    """Diameter of the sphere with the volume of a cylinder of ``diameter`` and ``length``:
    ``(1.5 d^2 L) ** (1/3)``.

    >>> round(volume_equivalent_diameter(1.0, 1.0), 4)
    1.1447
    """
    return float((1.5 * diameter * diameter * length) ** (1.0 / 3.0))

"""A bed's newest packing, read from its files in the object store.

The pack stage stores ``packing.json``, ``packing.npz`` and ``metrics.json`` as bed files
named ``pack/<name>``, under object keys that share the stage's cache key
(``beds/<bed>/pack-<key>-<name>``, see ``worker._execute``): the three files of one packing
are found by that shared prefix, so a header is never paired with another run's arrays.
"""

from __future__ import annotations

import base64
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow.api._errors import ApiError
from bedflow.db import Bed, BedFile
from bedflow.storage import Storage

if TYPE_CHECKING:
    from bedflow.geometry import PackedBed

__all__ = ["PackingFiles", "latest_packing", "load_packed", "particle_arrays", "read_json"]

_HEADER = "pack/packing.json"


@dataclass(frozen=True)
class PackingFiles:
    """The object keys of one packing's files (``metrics`` None when it was not stored)."""

    header: str
    arrays: str | None
    metrics: str | None


def _sibling(session: Session, bed: Bed, key: str) -> str | None:
    row = session.scalar(
        select(BedFile.object_key).where(BedFile.bed_id == bed.id, BedFile.object_key == key)
    )
    return row


def latest_packing(session: Session, bed: Bed) -> PackingFiles | None:
    """The files of the bed's newest packing, or None when it was never packed."""
    header = session.scalar(
        select(BedFile.object_key)
        .where(BedFile.bed_id == bed.id, BedFile.filename == _HEADER)
        .order_by(BedFile.created_at.desc(), BedFile.id.desc())
        .limit(1)
    )
    if header is None:
        return None
    prefix = header.removesuffix("packing.json")
    return PackingFiles(
        header=header,
        arrays=_sibling(session, bed, prefix + "packing.npz"),
        metrics=_sibling(session, bed, prefix + "metrics.json"),
    )


def not_packed() -> ApiError:
    """The answer for a bed without a packing."""
    return ApiError(
        404, "the bed is not packed yet: generate it first (POST /api/v1/beds/{bed_id}/generate)"
    )


def _read(storage: Storage, key: str) -> bytes:
    return b"".join(storage.open_stream(key))


def read_json(storage: Storage, key: str) -> dict[str, Any]:
    """A stored JSON object."""
    data = json.loads(_read(storage, key))
    if not isinstance(data, dict):
        raise ApiError(500, "a stored packing file is not a JSON object")
    return data


def load_packed(storage: Storage, files: PackingFiles) -> PackedBed:
    """The packing itself, read (and its format checked) by ``geometry.load_packing``."""
    # imported here: the geometry package takes seconds to import, and only this needs it
    from bedflow.geometry import load_packing

    if files.arrays is None:
        raise not_packed()
    with tempfile.TemporaryDirectory(prefix="bedflow-packing-") as tmp:
        folder = Path(tmp)
        (folder / "packing.json").write_bytes(_read(storage, files.header))
        (folder / "packing.npz").write_bytes(_read(storage, files.arrays))
        return load_packing(folder)


def _b64(array: Any) -> str:
    import numpy as np

    data = np.ascontiguousarray(array, dtype="<f4")
    return base64.b64encode(data.tobytes()).decode("ascii")


def particle_arrays(packed: PackedBed) -> dict[str, Any]:
    """The packing as an instanced 3D view takes it: base64 of little-endian float32 centres
    (n x 3, m), quaternions (n x 4, x y z w: three.js's order; the packing stores w x y z)
    and diameters (n, m), with the particle's shape and the column."""
    import numpy as np

    col = packed.column
    box = col.shape != "cylinder"
    quats = np.asarray(packed.orientations, dtype=np.float64).reshape(-1, 4)
    return {
        "count": packed.count,
        "shape": packed.kind,
        "dimensions": {"diameter": packed.particle_diameter, "length": packed.particle_length},
        "column": {
            "shape": col.shape,
            "diameter": None if box else col.diameter,
            "width": col.width if box else None,
            "depth": col.depth if box else None,
            "height": col.height,
        },
        "positions": _b64(np.asarray(packed.centers).reshape(-1, 3)),
        "orientations": _b64(quats[:, [1, 2, 3, 0]]),
        "sizes": _b64(_diameters(packed)),
    }


def _diameters(packed: PackedBed) -> Any:
    """Each particle's diameter, m: a sphere's own; for other shapes (whose radius is that
    of the circumscribed sphere) the nominal diameter scaled like its circumscribed sphere."""
    import numpy as np

    radii = np.asarray(packed.radii, dtype=np.float64).reshape(-1)
    if packed.kind == "sphere" or radii.size == 0:
        return 2.0 * radii
    return packed.particle_diameter * radii / float(np.median(radii))

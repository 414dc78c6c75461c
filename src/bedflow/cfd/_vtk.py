"""VTK XML ImageData (``.vti``) writer for voxel fields, readable by ParaView and VTK.

Format: VTK file formats, "XML File Formats / ImageData" (https://docs.vtk.org/en/latest/
design_documents/VTKFileFormats.html). Each data array is its byte count (UInt64 header) followed
by the little-endian values, either base64-encoded inline (``encoding="base64"``, the file is
well-formed XML) or raw in an ``<AppendedData>`` section (``encoding="raw"``, smaller and faster,
but not parseable as plain XML).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd._exceptions import CfdInputError

__all__ = ["write_vti"]

_VTK_TYPES = {
    np.dtype(np.float32): "Float32",
    np.dtype(np.float64): "Float64",
    np.dtype(np.int8): "Int8",
    np.dtype(np.uint8): "UInt8",
    np.dtype(np.int32): "Int32",
    np.dtype(np.int64): "Int64",
}


def _vec3(name: str, value: float | Sequence[float]) -> tuple[float, float, float]:
    v = (float(value),) * 3 if isinstance(value, int | float) else tuple(map(float, value))
    if len(v) != 3:
        raise CfdInputError(f"{name} must be a number or 3 numbers (x, y, z), got {value!r}")
    return v[0], v[1], v[2]


def _prepare(
    data: Mapping[str, NDArray[Any]], shape: tuple[int, int, int] | None
) -> tuple[list[tuple[str, NDArray[Any], int]], tuple[int, int, int] | None]:
    """Arrays in VTK order: (nz, ny, nx) or (ncomp, nz, ny, nx) -> flat, components last."""
    out = []
    for name, raw in data.items():
        a = np.asarray(raw)
        if a.dtype == np.bool_:
            a = a.astype(np.uint8)
        if a.dtype not in _VTK_TYPES:
            a = a.astype(np.float64)
        if a.ndim == 3:
            ncomp, grid = 1, a.shape
            flat = a
        elif a.ndim == 4:
            ncomp, grid = a.shape[0], a.shape[1:]
            flat = np.moveaxis(a, 0, -1)
        else:
            raise CfdInputError(
                f"array {name!r} must be (nz, ny, nx) or (ncomp, nz, ny, nx), got {a.shape}"
            )
        if shape is None:
            shape = (int(grid[0]), int(grid[1]), int(grid[2]))
        elif tuple(grid) != shape:
            raise CfdInputError(f"array {name!r} has grid {tuple(grid)}, expected {shape}")
        out.append((name, np.ascontiguousarray(flat, dtype=a.dtype.newbyteorder("<")), ncomp))
    return out, shape


def _xml_comment(text: str) -> str:
    """``text`` as an XML comment (which may not hold ``--``)."""
    body = re.sub(r"-(?=-)", "- ", text.replace("\r", "")).rstrip("-")
    return f"<!--\n{body}\n-->"


def write_vti(
    path: str | os.PathLike[str],
    spacing: float | Sequence[float],
    origin: float | Sequence[float] = 0.0,
    *,
    cell_data: Mapping[str, NDArray[Any]] | None = None,
    point_data: Mapping[str, NDArray[Any]] | None = None,
    field_data: Mapping[str, float | Sequence[float]] | None = None,
    comment: str | None = None,
    encoding: Literal["base64", "raw"] = "base64",
) -> None:
    """Write fields on a uniform grid to a VTK ``.vti`` file.

    spacing : float or (dx, dy, dz), m, voxel edge lengths
    origin : float or (x0, y0, z0), m, the grid's lower corner (cell data) or first point
    cell_data : name -> (nz, ny, nx) scalar or (ncomp, nz, ny, nx) vector array, one value per
        voxel, e.g. ``{"velocity": result.velocity, "solid": result.solid}``
    point_data : the same, one value per grid point
    field_data : name -> a number or a sequence of numbers describing the whole dataset
        (written as Float64 ``<FieldData>``, which ParaView shows in its Information panel),
        e.g. ``{"superficial_velocity_m_s": 0.005}``
    comment : text written as an XML comment at the top of the file, e.g. what was simulated
    encoding : "base64" (inline, well-formed XML) or "raw" (appended binary)

    Arrays are indexed [z, y, x] (components first for vectors, as :class:`LbmResult` stores
    them); the file stores x fastest, as VTK expects. bool arrays are written as UInt8.

    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.vti"
    >>> write_vti(p, spacing=1e-4, cell_data={"rho": np.ones((2, 3, 4))})
    >>> p.read_text().count('WholeExtent="0 4 0 3 0 2"')
    1
    """
    if encoding not in ("base64", "raw"):
        raise CfdInputError(f"encoding must be 'base64' or 'raw', got {encoding!r}")
    cells, shape = _prepare(cell_data or {}, None)
    points, pshape = _prepare(point_data or {}, None)
    if shape is None and pshape is None:
        raise CfdInputError("nothing to write: give cell_data and/or point_data")
    if shape is None:
        assert pshape is not None
        nz, ny, nx = pshape[0] - 1, pshape[1] - 1, pshape[2] - 1
    else:
        nz, ny, nx = shape
        if pshape is not None and pshape != (nz + 1, ny + 1, nx + 1):
            raise CfdInputError(f"point data grid {pshape} must be the cell grid {shape} + 1")
    extent = f"0 {nx} 0 {ny} 0 {nz}"
    sx, sy, sz = _vec3("spacing", spacing)
    ox, oy, oz = _vec3("origin", origin)

    fields = [
        (name, np.atleast_1d(np.asarray(value, dtype="<f8")).ravel())
        for name, value in (field_data or {}).items()
    ]
    appended: list[bytes] = []
    offset = 0

    def array_xml(name: str, a: NDArray[Any], ncomp: int, tuples: int | None = None) -> str:
        nonlocal offset
        payload = np.uint64(a.nbytes).tobytes() + a.tobytes()
        head = (
            f'<DataArray type="{_VTK_TYPES[a.dtype.newbyteorder("=")]}" Name="{name}" '
            f'NumberOfComponents="{ncomp}"'
        )
        if tuples is not None:
            head += f' NumberOfTuples="{tuples}"'
        if encoding == "raw":
            appended.append(payload)
            xml = f'{head} format="appended" offset="{offset}"/>'
            offset += len(payload)
            return xml
        # The header and the data are encoded together (VTK accepts both layouts).
        return f'{head} format="binary">{base64.b64encode(payload).decode("ascii")}</DataArray>'

    lines = [
        '<?xml version="1.0"?>',
        *([_xml_comment(comment)] if comment else []),
        '<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">',
        f'  <ImageData WholeExtent="{extent}" Origin="{ox!r} {oy!r} {oz!r}" '
        f'Spacing="{sx!r} {sy!r} {sz!r}">',
        *(["    <FieldData>"] if fields else []),
        *("      " + array_xml(n, a, 1, a.size) for n, a in fields),
        *(["    </FieldData>"] if fields else []),
        f'    <Piece Extent="{extent}">',
        "      <PointData>",
        *("        " + array_xml(n, a, c) for n, a, c in points),
        "      </PointData>",
        "      <CellData>",
        *("        " + array_xml(n, a, c) for n, a, c in cells),
        "      </CellData>",
        "    </Piece>",
        "  </ImageData>",
    ]
    with open(path, "wb") as fh:
        fh.write("\n".join(lines).encode("ascii"))
        if encoding == "raw":
            fh.write(b'\n  <AppendedData encoding="raw">\n   _')
            for chunk in appended:
                fh.write(chunk)
            fh.write(b"\n  </AppendedData>")
        fh.write(b"\n</VTKFile>\n")

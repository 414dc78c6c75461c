"""write_vti produces VTK ImageData whose arrays decode back to the input."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from bedflow.cfd import CfdInputError, write_vti


def _decode(text: str, dtype: np.dtype) -> np.ndarray:
    raw = base64.b64decode(text.strip())
    nbytes = int(np.frombuffer(raw[:8], dtype="<u8")[0])
    data = np.frombuffer(raw[8:], dtype=dtype)
    assert data.nbytes == nbytes
    return data


def _fields() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    shape = (3, 4, 5)  # nz, ny, nx
    return {
        "velocity": rng.normal(size=(3, *shape)).astype(np.float32),
        "pressure": rng.normal(size=shape),
        "solid": rng.random(shape) < 0.3,
    }


def test_base64_file_is_xml_with_extents_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "flow.vti"
    fields = _fields()
    write_vti(path, spacing=(1e-4, 2e-4, 3e-4), origin=(0.0, 0.5, 1.0), cell_data=fields)

    root = ET.parse(path).getroot()
    assert root.get("type") == "ImageData"
    assert root.get("header_type") == "UInt64"
    image = root.find("ImageData")
    assert image is not None
    assert image.get("WholeExtent") == "0 5 0 4 0 3"  # x y z, cells -> points + 1
    assert [float(v) for v in image.get("Spacing", "").split()] == [1e-4, 2e-4, 3e-4]
    assert [float(v) for v in image.get("Origin", "").split()] == [0.0, 0.5, 1.0]

    arrays = {a.get("Name"): a for a in root.iter("DataArray")}
    vel = arrays["velocity"]
    assert vel.get("type") == "Float32"
    assert vel.get("NumberOfComponents") == "3"
    decoded = _decode(vel.text or "", np.dtype("<f4")).reshape(3, 4, 5, 3)
    np.testing.assert_array_equal(np.moveaxis(decoded, -1, 0), fields["velocity"])
    # x varies fastest in the file, as VTK expects
    assert decoded[0, 0, 1, 0] == fields["velocity"][0, 0, 0, 1]

    p = _decode(arrays["pressure"].text or "", np.dtype("<f8")).reshape(3, 4, 5)
    np.testing.assert_array_equal(p, fields["pressure"])
    s = _decode(arrays["solid"].text or "", np.dtype("u1")).reshape(3, 4, 5)
    np.testing.assert_array_equal(s.astype(bool), fields["solid"])


def test_raw_appended_encoding_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "flow_raw.vti"
    fields = _fields()
    write_vti(path, 1e-3, cell_data=fields, encoding="raw")
    blob = path.read_bytes()
    head, _, rest = blob.partition(b'<AppendedData encoding="raw">')
    payload = rest[rest.index(b"_") + 1 :]
    for name, dtype, ncomp in (("velocity", "<f4", 3), ("pressure", "<f8", 1)):
        tag = head[head.index(f'Name="{name}"'.encode()) :]
        offset = int(tag.split(b'offset="')[1].split(b'"')[0])
        nbytes = int(np.frombuffer(payload[offset : offset + 8], dtype="<u8")[0])
        data = np.frombuffer(payload[offset + 8 : offset + 8 + nbytes], dtype=dtype)
        expected = fields[name] if ncomp == 1 else np.moveaxis(fields[name], 0, -1)
        np.testing.assert_array_equal(data, expected.ravel())


def test_point_data_extent(tmp_path: Path) -> None:
    path = tmp_path / "points.vti"
    write_vti(path, 1.0, point_data={"phi": np.zeros((2, 3, 4))})
    image = ET.parse(path).getroot().find("ImageData")
    assert image is not None
    assert image.get("WholeExtent") == "0 3 0 2 0 1"


def test_mismatched_grids_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(CfdInputError, match="grid"):
        write_vti(
            tmp_path / "x.vti", 1.0, cell_data={"a": np.zeros((2, 2, 2)), "b": np.zeros((3, 2, 2))}
        )
    with pytest.raises(CfdInputError, match="nothing to write"):
        write_vti(tmp_path / "y.vti", 1.0)


def test_field_data_and_comment_describe_the_dataset(tmp_path: Path) -> None:
    """What was simulated travels in the file: numbers as Float64 FieldData under ImageData
    (ParaView's Information panel), prose as an XML comment that may not hold "--"."""
    path = tmp_path / "described.vti"
    write_vti(
        path,
        1e-3,
        cell_data={"p": np.zeros((2, 2, 2))},
        field_data={"velocity_m_s": 0.005, "slab_z_m": (0.01, 0.02)},
        comment="simulated at 3.5 mm/s -- scaled to 5 mm/s",
    )
    root = ET.parse(path).getroot()  # still well-formed XML
    image = root.find("ImageData")
    assert image is not None
    arrays = {a.get("Name"): a for a in image.iter("DataArray")}
    field = image.find("FieldData")
    assert field is not None and [a.get("Name") for a in field] == ["velocity_m_s", "slab_z_m"]
    assert arrays["slab_z_m"].get("NumberOfTuples") == "2"
    values = _decode(arrays["slab_z_m"].text or "", np.dtype("<f8"))
    np.testing.assert_array_equal(values, [0.01, 0.02])
    text = path.read_text()
    assert "simulated at 3.5 mm/s - - scaled to 5 mm/s" in text

"""Reading what OpenFOAM writes: tool logs, ``checkMesh``, the boundary file, function-object
output and cell-volume fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bedflow.cfd._types import FloatArray

__all__ = [
    "LogWatcher",
    "MeshCheck",
    "SolverLog",
    "parse_boundary",
    "parse_check_mesh",
    "read_dat",
    "read_scalar_field",
]

# v1912 writes "Time = 12", openfoam.org 11 "Time = 12s"
_TIME = re.compile(r"^Time = ([-+0-9.eE]+)")
_RESIDUAL = re.compile(r"Solving for (\w+), Initial residual = ([-+0-9.eE]+)")
_CONVERGED = re.compile(r"solution converged in (\d+) iterations")
_SNAPPY_PHASES = (
    ("Refinement phase", "castellating: refinement"),
    ("Surface refinement iteration", "castellating: surface refinement"),
    ("Removing mesh beyond surface intersections", "castellating: removing cells outside"),
    ("Handling cells with snap problems", "castellating: handling problem cells"),
    ("Morph iteration", "snapping"),
    ("Snapping", "snapping"),
    ("Shrinking and snapping", "snapping"),
    ("Merging all faces of a cell", "snapping: merging faces"),
    ("Checking final mesh", "checking the final mesh"),
    ("Finished meshing", "finished meshing"),
)


class LogWatcher:
    """Turns a tool's output, line by line, into a short status message."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.message = f"{tool} started"
        self.fatal: list[str] = []
        self._in_fatal = False

    def feed(self, line: str) -> bool:
        """Take one line; True when the status changed enough to report."""
        text = line.strip()
        if "FOAM FATAL" in text or "FOAM exiting" in text:
            self._in_fatal = True
        if self._in_fatal and text:
            self.fatal.append(text)
        if self.tool == "snappyHexMesh":
            for start, phase in _SNAPPY_PHASES:
                if text.startswith(start):
                    changed = phase != self.message
                    self.message = phase
                    return changed
        return False


class SolverLog(LogWatcher):
    """Iterations and initial residuals of ``simpleFoam`` / ``foamRun``.

    ``history`` holds, per iteration, the first initial residual of each solved field (the
    components ``Ux``, ``Uy``, ``Uz`` and ``p``, ``k``, ...).
    """

    def __init__(self, tool: str = "solver") -> None:
        super().__init__(tool)
        self.iteration = 0
        self.history: list[tuple[int, dict[str, float]]] = []
        self.converged = False

    @property
    def residuals(self) -> dict[str, float]:
        """The initial residuals by field of the latest iteration that has any."""
        for _, found in reversed(self.history):
            if found:
                return dict(found)
        return {}

    def feed(self, line: str) -> bool:
        super().feed(line)
        m = _TIME.match(line)
        if m:
            try:
                self.iteration = round(float(m.group(1)))
            except ValueError:
                return False
            self.history.append((self.iteration, {}))
            self.message = f"iteration {self.iteration}"
            return len(self.history) > 1
        m = _RESIDUAL.search(line)
        if m and self.history:
            self.history[-1][1].setdefault(m.group(1), float(m.group(2)))
            return False
        if _CONVERGED.search(line):
            self.converged = True
            self.message = line.strip()
            return True
        return False


@dataclass(frozen=True)
class MeshCheck:
    """What ``checkMesh`` said: ``ok`` (it printed "Mesh OK."), the failed checks (its lines
    marked ``***``), the cell count and the total volume (m3)."""

    ok: bool
    failed: tuple[str, ...]
    cells: int
    volume: float

    @property
    def verdict(self) -> str:
        return "Mesh OK" if self.ok else "failed: " + "; ".join(self.failed)


def parse_check_mesh(text: str) -> MeshCheck:
    """Read a ``checkMesh`` log."""
    cells = re.search(r"^\s*cells:\s+(\d+)", text, re.MULTILINE)
    volume = re.search(r"Total volume = ([-+0-9.eE]+?)\.?\s", text)
    failed = tuple(line.strip().lstrip("*").strip() for line in text.splitlines() if "***" in line)
    return MeshCheck(
        ok="Mesh OK." in text,
        failed=failed,
        cells=int(cells.group(1)) if cells else 0,
        volume=float(volume.group(1)) if volume else float("nan"),
    )


def parse_boundary(text: str) -> dict[str, int]:
    """Faces per patch of a ``constant/polyMesh/boundary`` file."""
    out: dict[str, int] = {}
    for m in re.finditer(r"^\s*(\w+)\s*\{([^}]*)\}", text, re.MULTILINE):
        faces = re.search(r"nFaces\s+(\d+)\s*;", m.group(2))
        if faces:
            out[m.group(1)] = int(faces.group(1))
    return out


def read_dat(path: Path) -> tuple[FloatArray, FloatArray]:
    """Iterations and values of a function object's ``.dat`` file (first value column)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        try:
            rows.append((float(parts[0]), float(parts[1])))
        except (ValueError, IndexError):
            continue
    if not rows:
        return np.zeros(0), np.zeros(0)
    a = np.asarray(rows, dtype=np.float64)
    return a[:, 0], a[:, 1]


def read_scalar_field(path: Path, count: int) -> FloatArray:
    """The internal field of an ASCII ``volScalarField`` file with ``count`` cells."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r"internalField\s+uniform\s+([-+0-9.eE]+)\s*;", text)
    if m:
        return np.full(count, float(m.group(1)))
    m = re.search(r"internalField\s+nonuniform\s+List<scalar>\s*(\d+)\s*\(", text)
    if m is None:
        raise ValueError(f"{path}: no internalField")
    n = int(m.group(1))
    end = text.index(")", m.end())
    values = np.array(text[m.end() : end].split(), dtype=np.float64)
    if values.shape[0] != n:
        raise ValueError(f"{path}: {values.shape[0]} values where {n} were announced")
    return values

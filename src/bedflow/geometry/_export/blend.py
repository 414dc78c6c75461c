"""Blender ``.blend``: the parts imported into an empty Blender scene by a headless
``blender --background`` run, one object per part. Needs the ``blender`` executable on PATH.

The parts travel through a temporary OBJ read by Blender's built-in (C++) importer: its glTF
importer needs numpy inside Blender's Python, which distribution packages often lack."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import trimesh

from bedflow._exceptions import EngineError, EngineUnavailable
from bedflow.geometry._export import encoded, scene_groups, scene_of

logger = logging.getLogger(__name__)

#: Seconds a Blender run may take before it is stopped.
BLENDER_TIMEOUT: Final = 600.0
INSTALL_ADVICE: Final = (
    "the blend format needs the `blender` executable on PATH: install Blender "
    "(Debian/Ubuntu: `apt-get install blender`; elsewhere from blender.org) or choose "
    "another format (glb opens in Blender too)"
)
#: Run inside Blender: argv after "--" is the OBJ to read, the .blend to write and the length
#: of one file unit in metres with its Blender name (so that Blender shows mm as mm).
SCRIPT: Final = """
import sys, bpy
src, dst, scale, unit = sys.argv[sys.argv.index("--") + 1:][:4]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.context.preferences.filepaths.save_version = 0
bpy.ops.wm.obj_import(filepath=src, forward_axis="Y", up_axis="Z")
us = bpy.context.scene.unit_settings
us.system = "METRIC"
us.scale_length = float(scale)
us.length_unit = unit
bpy.ops.wm.save_as_mainfile(filepath=dst)
"""
UNIT_LENGTH: Final = {
    "m": ("1.0", "METERS"),
    "cm": ("0.01", "CENTIMETERS"),
    "mm": ("0.001", "MILLIMETERS"),
}


class Blend:
    name = "blend"
    description = "Blender scene, one object per part (needs blender)"

    def unavailable(self) -> str | None:
        return None if shutil.which("blender") else INSTALL_ADVICE

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        blender = shutil.which("blender")
        if blender is None:
            raise EngineUnavailable(INSTALL_ADVICE)
        files = []
        for path, group in scene_groups(parts, directory, "blend"):
            path.unlink(missing_ok=True)  # a stale file must not pass for this run's output
            with tempfile.TemporaryDirectory(prefix="bedflow-blend-") as tmp:
                obj = Path(tmp) / "scene.obj"
                obj.write_bytes(encoded(scene_of(group), "obj", digits=9, include_normals=False))
                cmd = [blender, "--background", "--factory-startup", "--python-expr", SCRIPT]
                cmd += ["--", str(obj), str(path), *UNIT_LENGTH[units]]
                try:
                    run = subprocess.run(
                        cmd, capture_output=True, text=True, timeout=BLENDER_TIMEOUT, check=False
                    )
                except subprocess.TimeoutExpired:
                    raise EngineError(
                        f"blender did not write {path.name} within {BLENDER_TIMEOUT:.0f} s"
                    ) from None
            if run.returncode != 0 or not path.is_file():
                tail = (run.stderr or run.stdout)[-2000:]
                raise EngineError(
                    f"blender failed to write {path.name} (exit {run.returncode}): {tail}"
                )
            logger.info("blender wrote %s", path)
            files.append(path)
        return files

"""Which OpenFOAM is installed here, and the environment its tools need.

Two lines of OpenFOAM write different dictionaries: the ESI/OpenCFD releases (``vYYMM``,
openfoam.com; Debian's ``openfoam`` package is v1912) read ``transportProperties`` and
``turbulenceProperties`` and run ``simpleFoam``; the OpenFOAM Foundation releases from 11 on
(openfoam.org) read ``physicalProperties`` and ``momentumTransport`` and run
``foamRun -solver incompressibleFluid``.

>>> parse_banner("Using: OpenFOAM- (1912) - visit www.openfoam.com")
OpenFoamVersion(flavour='esi', version='v1912', source='banner')
>>> parse_banner("Using: OpenFOAM-11 (see https://openfoam.org)").flavour
'org'
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bedflow.cfd._openfoam._constants import DEFAULT_PROJECT_DIR

__all__ = [
    "ESI_V1912",
    "ORG_11",
    "Flavour",
    "OpenFoamVersion",
    "detect_version",
    "foam_environment",
    "parse_banner",
]

logger = logging.getLogger(__name__)

Flavour = Literal["esi", "org"]

_BANNER = re.compile(r"OpenFOAM-(?P<name>[\w.+-]*)\s*(?:\((?P<paren>\d+)\))?")


@dataclass(frozen=True)
class OpenFoamVersion:
    """An OpenFOAM release: ``flavour`` is ``esi`` (openfoam.com) or ``org`` (openfoam.org).

    ``version`` is as the release names itself (``v1912``, ``11``); ``source`` says how it was
    found (``WM_PROJECT_VERSION``, ``foamVersion``, ``banner``, ``binaries``, ``default``).
    """

    flavour: Flavour
    version: str
    source: str = "default"

    @property
    def major(self) -> int:
        """The release number: 1912 for v1912, 11 for 11 (0 when unknown)."""
        m = re.search(r"\d+", self.version)
        return int(m.group()) if m else 0

    @property
    def solver_argv(self) -> list[str]:
        """Command line of the steady incompressible solver."""
        if self.flavour == "org":
            return ["foamRun", "-solver", "incompressibleFluid"]
        return ["simpleFoam"]

    @property
    def post_process(self) -> str:
        """The post-processing utility (renamed ``foamPostProcess`` by openfoam.org 10)."""
        if self.flavour == "org" and (self.major >= 10 or self.version == "dev"):
            return "foamPostProcess"
        return "postProcess"

    @property
    def surface_dir(self) -> str:
        """Where snappyHexMesh reads surfaces, relative to the case."""
        return "constant/geometry" if self.flavour == "org" else "constant/triSurface"

    def __str__(self) -> str:
        site = "openfoam.org" if self.flavour == "org" else "openfoam.com"
        return f"OpenFOAM {self.version} ({site})"


ESI_V1912 = OpenFoamVersion("esi", "v1912")
"""Debian's ``openfoam`` package: what cases are written for when nothing is installed."""
ORG_11 = OpenFoamVersion("org", "11")


def foam_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for OpenFOAM tools: ``base`` (default ``os.environ``) plus
    ``WM_PROJECT_DIR=/usr/share/openfoam`` when it is unset and that directory exists (Debian's
    v1912 tools abort without it)."""
    env = dict(os.environ if base is None else base)
    if "WM_PROJECT_DIR" not in env and Path(DEFAULT_PROJECT_DIR, "etc").is_dir():
        env["WM_PROJECT_DIR"] = DEFAULT_PROJECT_DIR
    return env


def _from_name(name: str, source: str, text: str = "") -> OpenFoamVersion | None:
    name = name.strip().removeprefix("OpenFOAM-").strip()
    if not name:
        return None
    if "openfoam.com" in text or re.fullmatch(r"v\d{4}.*", name):
        return OpenFoamVersion("esi", name, source)
    if "openfoam.org" in text or re.fullmatch(r"\d+(\.\d+)?|dev", name):
        return OpenFoamVersion("org", name, source)
    return None


def parse_banner(text: str) -> OpenFoamVersion | None:
    """The version named in a tool's banner (``Using: OpenFOAM-...`` or ``Version: ...``)."""
    m = _BANNER.search(text)
    if m is None:
        return None
    name = m.group("name").strip("-")
    if not name and m.group("paren"):
        name = "v" + m.group("paren")
    return _from_name(name, "banner", text)


def _help_banner(tool: str, env: Mapping[str, str]) -> str:
    try:
        done = subprocess.run(
            [tool, "-help"], capture_output=True, text=True, env=dict(env), timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.debug("could not run %s -help: %s", tool, exc)
        return ""
    return done.stdout + done.stderr


def detect_version(env: Mapping[str, str] | None = None) -> OpenFoamVersion | None:
    """The OpenFOAM whose tools are on ``PATH``, or None when there is none.

    Looks at ``WM_PROJECT_VERSION``, then ``foamVersion``, then which solver binaries exist and
    the banner they print (``simpleFoam -help``: ``Using: OpenFOAM- (1912) - visit
    www.openfoam.com``).
    """
    env = foam_environment(env)
    path = env.get("PATH")
    has = {tool: shutil.which(tool, path=path) is not None for tool in ("foamRun", "simpleFoam")}
    if not any(has.values()):
        return None
    named = env.get("WM_PROJECT_VERSION", "")
    if named:
        found = _from_name(named, "WM_PROJECT_VERSION")
        if found is not None:
            return found
    if shutil.which("foamVersion", path=path):
        try:
            out = subprocess.run(
                ["foamVersion"], capture_output=True, text=True, env=env, timeout=30, check=False
            )
            found = _from_name(out.stdout.strip(), "foamVersion", out.stdout)
            if found is not None:
                return found
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.debug("foamVersion failed: %s", exc)
    tool = "foamRun" if has["foamRun"] else "simpleFoam"
    found = parse_banner(_help_banner(tool, env))
    if found is not None:
        return found
    # foamRun exists only in openfoam.org 11 and later
    if has["foamRun"]:
        return OpenFoamVersion("org", "11", "binaries")
    return OpenFoamVersion("esi", "unknown", "binaries")

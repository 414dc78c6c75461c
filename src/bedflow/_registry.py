"""The registries of what varies: packing engines, flow solvers and export formats.

A registry maps each name to where its plugin lives, ``"module:attr"``, and imports that
module only when the plugin is first asked for: the names (what the `.bed` language checks
``packing.method``, ``cfd.solver`` and ``export.formats`` against) cost no import of numba,
pybullet or trimesh. The built-ins are listed below; other packages add theirs through entry
points in the groups ``bedflow.packing_engines``, ``bedflow.solvers`` and
``bedflow.export_formats``, so a new engine is one module and one line of its package's
metadata::

    [project.entry-points."bedflow.solvers"]
    potential = "my_package.potential:PotentialSolver"

``attr`` is the plugin object, or a class that is called without arguments to make it. A
plugin has ``name`` and ``description``; engines and solvers also ``check(spec)``, which
lists what stops them from handling a bed (a :class:`~bedflow.dsl.SpecProblem` per key, e.g.
OpenFOAM's minimum resolution) without running anything, so `bedflow check` and job submission
report it, located in the file, before any work.

>>> "dem" in PACKING_ENGINES and "lbm" in SOLVERS
True
>>> SOLVERS.builtin_names()
('lbm', 'openfoam', 'correlation')
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Final, Generic, TypeVar

from bedflow._exceptions import EngineUnavailable, UsageError

__all__ = [
    "EXPORT_FORMATS",
    "PACKING_ENGINES",
    "SOLVERS",
    "Entry",
    "Registry",
    "unknown_name",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """Where a registered plugin lives: ``target`` is ``"module:attr"``; ``distribution`` is
    the installed package that registered it (None for a built-in)."""

    name: str
    target: str

    distribution: str | None = None

    @property
    def builtin(self) -> bool:
        """True for bedflow's own plugins."""
        return self.distribution is None


class Registry(Generic[T]):
    """Names of one kind of plugin, and the plugins, imported when first asked for.

    ``kind`` names the plugin in messages (``"packing engine"``); ``group`` is the entry point
    group other packages register in; ``builtins`` maps each built-in name to its target.
    A plugin of another package never replaces a built-in of the same name.
    """

    def __init__(self, kind: str, group: str, builtins: Mapping[str, str]) -> None:
        self.kind = kind
        self.group = group
        self._builtins = {name: Entry(name, target) for name, target in builtins.items()}
        self._entries: dict[str, Entry] | None = None
        self._loaded: dict[str, T] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.group!r})"

    # -- names (no plugin is imported) -----------------------------------------------------

    def entries(self) -> dict[str, Entry]:
        """Every registered plugin by name: the built-ins first, then those of installed
        packages (read from their metadata once; :meth:`refresh` reads them again)."""
        if self._entries is None:
            found = dict(self._builtins)
            for ep in sorted(metadata.entry_points(group=self.group), key=lambda e: e.name):
                dist = ep.dist.name if ep.dist is not None else "?"
                if ep.name in found:
                    if found[ep.name].distribution != dist:
                        logger.warning(
                            "%s %r of %s ignored: the name is taken", self.kind, ep.name, dist
                        )
                    continue
                found[ep.name] = Entry(ep.name, ep.value, dist)
            self._entries = found
        return dict(self._entries)

    def names(self) -> tuple[str, ...]:
        """Every registered name, the built-ins first (in their own order)."""
        return tuple(self.entries())

    def builtin_names(self) -> tuple[str, ...]:
        """bedflow's own names only: what the generated documentation lists, on any machine."""
        return tuple(self._builtins)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.entries()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def refresh(self) -> None:
        """Read the installed packages' entry points again (after installing a plugin)."""
        with self._lock:
            self._entries = None
            self._loaded = {k: v for k, v in self._loaded.items() if k in self._builtins}

    # -- plugins (imported on first use) ---------------------------------------------------

    def get(self, name: str) -> T:
        """The plugin ``name``, importing its module the first time.

        Raises KeyError for a name nobody registered, and :class:`EngineUnavailable` when the
        module of a registered plugin cannot be imported (a package installed half-way).
        """
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
        entry = self.entries()[name]
        plugin = self._load(entry)
        with self._lock:
            return self._loaded.setdefault(name, plugin)

    def load_all(self) -> dict[str, T]:
        """Every plugin by name (importing them all)."""
        return {name: self.get(name) for name in self.names()}

    def _load(self, entry: Entry) -> T:
        module_name, _, attr = entry.target.partition(":")
        where = f" (registered by {entry.distribution})" if entry.distribution else ""
        try:
            obj: Any = importlib.import_module(module_name.strip())
            for part in attr.strip().split(".") if attr.strip() else ():
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise EngineUnavailable(
                f"the {self.kind} {entry.name!r}{where} cannot be loaded from {entry.target}: {exc}"
            ) from exc
        plugin = obj() if isinstance(obj, type) else obj
        if getattr(plugin, "name", None) != entry.name:
            raise UsageError(
                f"the {self.kind} registered as {entry.name!r}{where} calls itself "
                f"{getattr(plugin, 'name', None)!r}"
            )
        return plugin  # type: ignore[no-any-return]


PACKING_ENGINES: Final[Registry[Any]] = Registry(
    "packing engine",
    "bedflow.packing_engines",
    {
        "dem": "bedflow.geometry._engines.dem:DemEngine",
        "rigid_body": "bedflow.geometry._engines.bullet:BulletEngine",
        "blender": "bedflow.geometry._engines.blender:BlenderEngine",
        "hexagonal_3d": "bedflow.geometry._engines.ordered:HexagonalEngine",
        "spherical_packing": "bedflow.geometry._engines.ordered:RingEngine",
    },
)
"""Packing engines (:class:`bedflow.geometry.Engine`)."""

SOLVERS: Final[Registry[Any]] = Registry(
    "solver",
    "bedflow.solvers",
    {
        "lbm": "bedflow.cfd._solvers.lbm:LbmSolver",
        "openfoam": "bedflow.cfd._solvers.openfoam:OpenFoamSolver",
        "correlation": "bedflow.cfd._solvers.correlation:CorrelationSolver",
    },
)
"""Flow solvers (:class:`bedflow.cfd.Solver`)."""

EXPORT_FORMATS: Final[Registry[Any]] = Registry(
    "export format",
    "bedflow.export_formats",
    {
        "stl": "bedflow.geometry._export.stl:STL",
        "stl_binary": "bedflow.geometry._export.stl:STL_BINARY",
        "stl_ascii": "bedflow.geometry._export.stl:AsciiStl",
        "obj": "bedflow.geometry._export.obj:Obj",
        "ply": "bedflow.geometry._export.ply:Ply",
        "glb": "bedflow.geometry._export.gltf:Glb",
        "gltf": "bedflow.geometry._export.gltf:Gltf",
        "blend": "bedflow.geometry._export.blend:Blend",
    },
)
"""Export formats (:class:`bedflow.geometry.Exporter`)."""


def unknown_name(registry: Registry[Any], name: str) -> str:
    """``unknown solver 'x'; known: a, b, c`` (sorted)."""
    return f"unknown {registry.kind} {name!r}; known: {', '.join(sorted(registry.names()))}"

"""How a job runs the pipeline on its bed: :class:`JobParams`, stored with the job.

>>> params = JobParams(solver="correlation", stages=["compile", "pack", "simulate"])
>>> params.stored()
{'stages': ['compile', 'pack', 'simulate'], 'solver': 'correlation'}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bedflow.dsl import BedSpec, apply_settings

__all__ = ["JobParams", "SpecValue", "StageName"]

StageName = Literal["compile", "pack", "export", "simulate", "postprocess"]
SpecValue = bool | int | float | str | None | list[float] | list[str] | dict[str, int | float]
"""A value of the spec in SI units, as ``BedSpec.model_dump`` gives it (a vector as a list,
``cfd.mesh_levels`` as a mapping)."""


class JobParams(BaseModel):
    """The parameters of a job: which stages, recompute or not, engine and solver overrides,
    a grid convergence study or not, and for a point of a parameter study its settings.

    ``point`` holds the study's settings as they were written (``{"cfd.inlet_velocity":
    "0.05 m/s"}``); ``values`` what the point changes of the bed's spec, compiled to SI
    values by section and key, which the worker applies as they are (no `.bed` text is
    written or read). Params stored by older versions (``overrides``: ``section.key=value``
    strings, no ``values``) are still read: their point is compiled when the job runs.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    stages: list[StageName] | None = Field(
        None, description="stages to run (their upstream stages are added); all when absent"
    )
    force: bool = Field(False, description="recompute stages whose inputs did not change")
    engine: str | None = Field(None, max_length=32, examples=["dem"])
    solver: str | None = Field(None, max_length=32, examples=["correlation"])
    converge: bool = Field(
        False,
        description="simulate as a grid convergence study: three resolutions, the result "
        "with its grid convergence index (lbm and openfoam)",
    )
    point_index: int | None = Field(None, ge=0, description="the point's index in its study")
    point: dict[str, str] = Field(
        default_factory=dict,
        description="a study point's settings, in .bed syntax",
        examples=[{"cfd.inlet_velocity": "0.05 m/s"}],
    )
    values: dict[str, dict[str, SpecValue] | SpecValue] | None = Field(
        None,
        description="the point's values in SI units as the spec holds them: by section, then "
        "key (a top-level key such as name directly), only those that differ from the bed's; "
        "absent in params of older versions",
        examples=[{"cfd": {"inlet_velocity": 0.05}}],
    )

    @model_validator(mode="before")
    @classmethod
    def _older_params(cls, data: Any) -> Any:
        """Params of older versions name a study point only as ``overrides``."""
        if isinstance(data, dict) and data.get("overrides") and not data.get("point"):
            settings = [str(s).partition("=") for s in data["overrides"]]
            data = {**data, "point": {k.strip(): v.strip() for k, _, v in settings}}
        return data

    def spec_for(self, spec: BedSpec) -> BedSpec:
        """The spec this job runs: ``spec`` with the point's values (or settings) applied."""
        if self.values is not None:
            if not self.values:
                return spec
            data = spec.model_dump()
            for section, values in self.values.items():
                current = data.get(section)
                if isinstance(current, dict) and isinstance(values, dict):
                    data[section] = {**current, **values}
                else:
                    data[section] = values
            return BedSpec.model_validate(data)
        if self.point:  # stored by an older version: compile the settings once
            return apply_settings(spec, [f"{k}={v}" for k, v in self.point.items()]).spec
        return spec

    def stored(self) -> dict[str, Any]:
        """The params as the job row stores them (JSON; defaults left out)."""
        return self.model_dump(mode="json", exclude_defaults=True)

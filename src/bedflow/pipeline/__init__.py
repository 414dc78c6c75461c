"""The pipeline of a packed-bed study: compile -> pack -> export -> simulate -> postprocess.

>>> from bedflow.pipeline import run_pipeline
>>> text = "bed { diameter = 25 mm } particles { count = 30 } cfd { solver = correlation }"
>>> result = run_pipeline(text, cache_dir="cache", stages=("compile", "pack"))  # doctest: +SKIP
>>> result.stages["pack"].status  # doctest: +SKIP
'ran'
"""

from __future__ import annotations

import importlib
import typing

from bedflow.pipeline._cache import ArtifactCache, CacheEntry, StageCache, stage_key
from bedflow.pipeline._events import STAGES, Event, EventSink, overall_progress
from bedflow.pipeline._params import JobParams, SpecValue, StageName
from bedflow.pipeline._record import (
    Correlations,
    FlowDomainRecord,
    FlowRecord,
    GridConvergenceRecord,
    MeasuredRegionRecord,
)
from bedflow.pipeline._result import PipelineResult, StageOutcome
from bedflow.pipeline._studies import (
    MAX_POINTS,
    check_grid,
    expand_grid,
    overrides_of,
    spec_with_overrides,
)

if typing.TYPE_CHECKING:
    from bedflow.pipeline._run import run_pipeline
    from bedflow.pipeline._stages import PIPELINE, Context, Stage, section_hash, summary

__all__ = [
    "MAX_POINTS",
    "PIPELINE",
    "STAGES",
    "ArtifactCache",
    "CacheEntry",
    "Context",
    "Correlations",
    "Event",
    "EventSink",
    "FlowDomainRecord",
    "FlowRecord",
    "GridConvergenceRecord",
    "JobParams",
    "MeasuredRegionRecord",
    "PipelineResult",
    "SpecValue",
    "Stage",
    "StageCache",
    "StageName",
    "StageOutcome",
    "check_grid",
    "expand_grid",
    "overall_progress",
    "overrides_of",
    "run_pipeline",
    "section_hash",
    "spec_with_overrides",
    "stage_key",
    "summary",
]

# The stages load the numerical core; the API imports this package for JobParams and studies
# and stays light: the stages are imported on first use.
_LAZY = {
    "run_pipeline": "bedflow.pipeline._run",
    "PIPELINE": "bedflow.pipeline._stages",
    "Context": "bedflow.pipeline._stages",
    "Stage": "bedflow.pipeline._stages",
    "section_hash": "bedflow.pipeline._stages",
    "summary": "bedflow.pipeline._stages",
}


def __getattr__(name: str) -> typing.Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bedflow.pipeline' has no attribute {name!r}")

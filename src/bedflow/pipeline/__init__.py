"""The pipeline of a packed-bed study: compile -> pack -> export -> simulate -> postprocess.

>>> from bedflow.pipeline import run_pipeline
>>> text = "bed { diameter = 25 mm } particles { count = 30 } cfd { solver = correlation }"
>>> result = run_pipeline(text, cache_dir="cache", stages=("compile", "pack"))  # doctest: +SKIP
>>> result.stages["pack"].status  # doctest: +SKIP
'ran'
"""

from bedflow.pipeline._cache import ArtifactCache, stage_key
from bedflow.pipeline._events import STAGES, Event, EventSink, overall_progress
from bedflow.pipeline._run import PipelineResult, StageOutcome, run_pipeline
from bedflow.pipeline._stages import PIPELINE, Context, Stage, section_hash, summary

__all__ = [
    "PIPELINE",
    "STAGES",
    "ArtifactCache",
    "Context",
    "Event",
    "EventSink",
    "PipelineResult",
    "Stage",
    "StageOutcome",
    "overall_progress",
    "run_pipeline",
    "section_hash",
    "stage_key",
    "summary",
]

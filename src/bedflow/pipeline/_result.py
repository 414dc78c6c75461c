"""What a pipeline run produced: each stage's outcome, the metrics, the flow, the summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bedflow.dsl import BedSpec

if TYPE_CHECKING:  # the API imports this package and stays free of the numerical core
    from bedflow.cfd import FlowResult

__all__ = ["PipelineResult", "StageOutcome"]


@dataclass(frozen=True)
class StageOutcome:
    """What one stage did: ran, reused its cached artifacts, or was skipped."""

    stage: str
    status: str
    key: str = ""
    directory: str = ""
    files: tuple[str, ...] = ()
    seconds: float = 0.0
    provenance: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class PipelineResult:
    """Everything a run produced: the spec, each stage's outcome, metrics and flow."""

    spec: BedSpec
    spec_hash: str
    stages: dict[str, StageOutcome] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    flow: FlowResult | None = None
    """The simulate stage's result, typed (read back from its ``result.json`` when reused)."""
    summary: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

"""What a running pipeline reports: log lines and status updates, as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["STAGES", "Event", "EventSink", "Reporter", "overall_progress"]

STAGES = ("compile", "pack", "export", "simulate", "postprocess")
"""The stages, in order."""

# Share of the whole run each stage takes, for the overall progress figure.
_WEIGHTS = {"compile": 2.0, "pack": 30.0, "export": 10.0, "simulate": 53.0, "postprocess": 5.0}

Level = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
Kind = Literal["log", "status", "stage_complete", "complete"]


@dataclass(frozen=True)
class Event:
    """One thing a pipeline reports.

    ``progress`` is the stage's own progress (0-100), ``overall`` the whole run's (0-100);
    ``status`` is running, succeeded, reused, failed or cancelled.
    """

    kind: Kind
    stage: str
    message: str = ""
    level: Level = "INFO"
    progress: float = 0.0
    overall: float = 0.0
    status: str = "running"
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> str:
        """The log line: ``[LEVEL] [STAGE] message``."""
        return f"[{self.level}] [{self.stage.upper()}] {self.message}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


EventSink = Callable[[Event], object]


def overall_progress(stages: tuple[str, ...], stage: str, fraction: float) -> float:
    """Overall progress (0-100) when ``stage`` of ``stages`` is ``fraction`` (0-1) done."""
    total = sum(_WEIGHTS[s] for s in stages)
    done = sum(_WEIGHTS[s] for s in stages[: stages.index(stage)])
    return 100.0 * (done + _WEIGHTS[stage] * min(max(fraction, 0.0), 1.0)) / total


class Reporter:
    """Turns a stage's progress and messages into :class:`Event`s for one sink."""

    def __init__(self, sink: EventSink | None, stages: tuple[str, ...]) -> None:
        self._sink = sink
        self.stages = stages
        self.lines: list[str] = []

    def emit(self, event: Event) -> None:
        if event.kind == "log":
            self.lines.append(event.line)
        if self._sink is not None:
            self._sink(event)

    def log(self, stage: str, message: str, level: Level = "INFO") -> None:
        self.emit(Event("log", stage, message, level))

    def progress(
        self, stage: str, fraction: float, message: str = "", data: dict[str, Any] | None = None
    ) -> None:
        """The stage is ``fraction`` (0-1) done; ``data`` says more (a grid study's run)."""
        self.emit(
            Event(
                "status",
                stage,
                message,
                progress=100.0 * min(max(fraction, 0.0), 1.0),
                overall=overall_progress(self.stages, stage, fraction),
                data=data or {},
            )
        )

    def stage_done(self, stage: str, status: str, data: dict[str, Any]) -> None:
        self.emit(
            Event(
                "stage_complete",
                stage,
                status,
                progress=100.0,
                overall=overall_progress(self.stages, stage, 1.0),
                status=status,
                data=data,
            )
        )

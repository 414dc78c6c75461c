"""The health report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["CheckPublic", "HealthPublic"]


class CheckPublic(BaseModel):
    """The state of one dependency."""

    status: Literal["ok", "down", "not_configured", "embedded", "idle"]
    required: bool
    latency_ms: float | None = None
    detail: str = ""


class HealthPublic(BaseModel):
    """``ok`` when every required dependency answers; the response is 503 otherwise."""

    status: Literal["ok", "degraded", "down"]
    version: str = Field(examples=["0.1.0"])
    checks: dict[str, CheckPublic]

"""What the web dashboard asks before and while editing: the public configuration, the engines
and solvers a job may name, and the check of `.bed` text (the same messages as ``bedflow
check``, nothing stored)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from bedflow._checks import check_text
from bedflow._exceptions import Diagnostic
from bedflow._version import __version__
from bedflow.api._engines import engines, is_enabled
from bedflow.api.deps import CurrentUser, SessionDep, StateDep, write_limited
from bedflow.api.schemas import ErrorBody
from bedflow.api.schemas.web import (
    BedCheck,
    BedCheckPublic,
    ConfigPublic,
    DiagnosticPublic,
    EngineChoice,
    EngineChoices,
)

router = APIRouter(tags=["web"])


@router.get("/config")
async def read_config(state: StateDep) -> ConfigPublic:
    """The server's public configuration (no sign-in needed): whether sign-up is open, the
    largest upload, that browsers sign in with a session cookie."""
    return ConfigPublic(
        version=__version__,
        signup_open=state.settings.signup_open,
        max_upload_bytes=state.settings.max_upload_bytes,
    )


@router.get("/engines")
def list_engine_choices(session: SessionDep, _: CurrentUser) -> EngineChoices:
    """The packing engines and solvers a job may name here, and whether each is enabled (an
    admin turns them on and off with ``PATCH /settings/engines/{name}``; their options stay
    with the admin). A job that names a disabled one is refused with 409."""
    data = [
        EngineChoice(
            name=e.name, kind=e.kind, description=e.description, enabled=is_enabled(session, e)
        )
        for e in engines().values()
    ]
    return EngineChoices(data=data, count=len(data))


def _hint(d: Diagnostic) -> str | None:
    return f"expected one of: {', '.join(d.expected)}" if d.expected else None


def diagnostic_public(d: Diagnostic) -> DiagnosticPublic:
    """A diagnostic as the API answers it: its span on one line, ``end_column`` exclusive."""
    return DiagnosticPublic(
        line=d.line,
        column=d.column,
        end_line=d.line,
        end_column=d.column + max(d.width, 1) if d.line > 0 else d.column,
        severity=d.severity,
        message=d.message,
        hint=_hint(d),
    )


@router.post(
    "/beds/check",
    tags=["beds"],
    dependencies=[Depends(write_limited)],
    responses={413: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
async def check_bed(user: CurrentUser, body: BedCheck) -> BedCheckPublic:
    """Check `.bed` text without storing anything: every diagnostic ``bedflow check`` prints
    for it (syntax, validation, the packing engine's and solver's own checks, warnings), each
    at its line and column, and the normalized spec (SI units) when it has no error.

    A text with errors answers 200 with ``ok: false``; only a malformed request is a 4xx.
    """
    checked = await run_in_threadpool(check_text, body.text, body.filename or "<editor>")
    return BedCheckPublic(
        ok=checked.ok,
        diagnostics=[diagnostic_public(d) for d in checked.diagnostics],
        spec=None if checked.spec is None else checked.spec.model_dump(mode="json"),
    )

"""What stage one of compiling a `.bed` file gathers: plain data, places, errors and notes.

Also the tables of other spellings the language accepts (section, key and value aliases) and
the close-match hint of error messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bedflow._exceptions import Diagnostic
from bedflow.dsl._parser import Document, Span

__all__ = [
    "INVALID",
    "KEY_ALIASES",
    "MAX_ERRORS",
    "SECTION_ALIASES",
    "TOP_LEVEL_KEYS",
    "UNSET",
    "VALUE_ALIASES",
    "ZERO_MEANS_UNSET",
    "Path_",
    "Raw",
    "TooManyErrors",
    "stop_note",
    "submodel",
    "suggest",
]

SECTION_ALIASES = {"geometry": "bed", "column": "bed"}
KEY_ALIASES: dict[str, dict[str, str]] = {"particles": {"shape": "kind"}}
TOP_LEVEL_KEYS = ("name", "description")
UNSET: Any = object()
"""A value written to mean "not set": the key takes its default, with a note."""
VALUE_ALIASES: dict[tuple[str, str], dict[str, Any]] = {
    # OpenFOAM's names (momentumTransport / RASProperties), as files written for it use them.
    ("cfd", "turbulence_model"): {
        "kOmegaSST": "k_omega_sst",
        "kOmega": "k_omega",
        "kEpsilon": "k_epsilon",
        "realizableKE": "realizable_k_epsilon",
        "laminar": UNSET,
    },
}
"""Other spellings of enum values, per key: alias -> bedflow's value (UNSET: no value)."""
ZERO_MEANS_UNSET = {("particles", "mass")}
"""Keys that the original format's templates set to 0 to mean "computed" (``mass = 0.0 g``)."""
MAX_ERRORS = 50
"""Errors reported before checking stops, as compilers do: a file with thousands of wrong
lines gets the first fifty and one line saying the rest were not checked."""

Path_ = tuple[str | int, ...]
INVALID: Any = object()
"""Stands for a value that could not be converted (its error is already recorded)."""


@dataclass
class Raw:
    """Plain data for the spec, and where each piece of it was written."""

    doc: Document
    data: dict[str, Any] = field(default_factory=dict)
    spans: dict[Path_, tuple[Document, Span]] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    unset: dict[Path_, Span] = field(default_factory=dict)
    """Keys written with a value that means "not set" (``mass = 0 g``), and where."""
    stopped: bool = False
    """True when checking stopped at :data:`MAX_ERRORS`: the rest of the file is unchecked."""

    def error(self, message: str, span: Span | None, **extra: Any) -> None:
        self.errors.append(self.doc.diagnostic(message, span, **extra))
        if len(self.errors) >= MAX_ERRORS:
            raise TooManyErrors

    def note(self, message: str, span: Span | None, path: Path_) -> None:
        self.notes.append(
            self.doc.diagnostic(message, span, severity="warning", path=tuple(str(p) for p in path))
        )

    def mark(self, path: Path_, span: Span) -> None:
        self.spans[path] = (self.doc, span)

    def span(self, path: Path_) -> Span | None:
        found = self.spans.get(path)
        return found[1] if found else None


class TooManyErrors(Exception):
    """Raised by :meth:`Raw.error` at :data:`MAX_ERRORS`; stage one stops where it is."""


def stop_note(raw: Raw) -> Diagnostic:
    """The last diagnostic of a file that had too many errors to check to its end."""
    return Diagnostic(
        f"too many errors ({MAX_ERRORS}), stopping: fix these and check again",
        filename=raw.doc.filename,
    )


def _folded(word: str) -> str:
    """``kOmegaSST``, ``k-omega-sst`` and ``k_omega_sst`` all fold to ``komegasst``."""
    return word.casefold().replace("_", "").replace("-", "")


def suggest(word: str, choices: Iterable[str], aliases: dict[str, Any] | None = None) -> str:
    """A ", did you mean 'x'?" hint: the closest choice, letter case, ``_`` and ``-`` aside.

    An alias that comes close (``kOmegaSST`` for ``komegasst``) suggests the value it stands for.
    """
    target: dict[str, str] = {}
    for choice in choices:
        target.setdefault(_folded(choice), choice)
    for alias, value in (aliases or {}).items():
        if isinstance(value, str):
            target.setdefault(_folded(alias), value)
    close = difflib.get_close_matches(_folded(word), list(target), n=1, cutoff=0.6)
    return f", did you mean '{target[close[0]]}'?" if close else ""


def submodel(info: FieldInfo) -> type[BaseModel] | None:
    ann = info.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    return None

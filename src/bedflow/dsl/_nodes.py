"""The nodes of a parsed `.bed` file, each with its place in the source (:class:`Span`)."""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from functools import cached_property

from bedflow._exceptions import Diagnostic

__all__ = [
    "Assignment",
    "Block",
    "Comment",
    "Document",
    "ListValue",
    "Mapping",
    "Quantity",
    "Span",
    "String",
    "Value",
    "Vector",
    "Word",
    "split_quantity",
]


@dataclass(frozen=True)
class Span:
    """Where a node is: 1-based line and column of its start, and of its end (exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def width(self) -> int:
        return max(self.end_column - self.column, 1) if self.end_line == self.line else 1


@dataclass(frozen=True)
class Quantity:
    """A number as written (``"5"``, ``"1.8e-05"``) and its unit (``"mm"``) if any."""

    number: str
    unit: str | None
    span: Span


@dataclass(frozen=True)
class String:
    value: str
    span: Span


@dataclass(frozen=True)
class Word:
    """A bare word: an enum value (``sphere``) or a boolean (``true``)."""

    value: str
    span: Span


@dataclass(frozen=True)
class ListValue:
    items: tuple[Value, ...]
    span: Span


@dataclass(frozen=True)
class Vector:
    """``(0, 0, -9.81) m/s2``: components, each with its own unit or the shared ``unit``."""

    items: tuple[Quantity, ...]
    unit: str | None
    span: Span


@dataclass(frozen=True)
class Mapping:
    """``{ walls = 3; particles = 2; }`` as a value."""

    items: tuple[Assignment, ...]
    span: Span


Value = Quantity | String | Word | ListValue | Vector | Mapping


@dataclass(frozen=True)
class Assignment:
    key: str
    key_span: Span
    value: Value
    has_semicolon: bool
    span: Span


@dataclass(frozen=True)
class Block:
    name: str
    name_span: Span
    label: str | None
    label_span: Span | None
    items: tuple[Assignment | Block, ...]
    span: Span


@dataclass(frozen=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True)
class Document:
    """A parsed `.bed` file: its top-level items, its name, its text (for error carets)."""

    items: tuple[Assignment | Block, ...]
    filename: str
    text: str = field(default="", repr=False)
    comments: tuple[Comment, ...] = field(default=())

    @cached_property
    def _line_starts(self) -> array[int]:
        starts = array("q", [0])
        starts.extend(m.end() for m in re.finditer("\n", self.text))
        return starts

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    @property
    def last_written_line(self) -> int:
        """Number of the last line that is not blank (1 for an empty text)."""
        end = len(self.text.rstrip())
        return self.text.count("\n", 0, end) + 1

    def source_line(self, line: int) -> str | None:
        starts = self._line_starts
        if not 0 < line <= len(starts):
            return None
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end]

    def diagnostic(self, message: str, span: Span | None, **extra: object) -> Diagnostic:
        """A diagnostic located at ``span`` in this document (or at the file when None)."""
        if span is None:
            return Diagnostic(message=message, filename=self.filename, **extra)  # type: ignore[arg-type]
        return Diagnostic(
            message=message,
            filename=self.filename,
            line=span.line,
            column=span.column,
            width=span.width,
            source_line=self.source_line(span.line),
            **extra,  # type: ignore[arg-type]
        )


_NUMBER = re.compile(r"(?>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def split_quantity(text: str) -> tuple[str, str | None]:
    match = _NUMBER.match(text)
    assert match is not None  # the lexer only produces QUANTITY tokens that start with one
    unit = text[match.end() :].strip()
    return match.group(0), unit or None

"""Syntax errors of the `.bed` language: what lark reports, told as a person would."""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from bedflow._exceptions import BedSyntaxError, Diagnostic
from bedflow.dsl._nodes import Document, split_quantity

__all__ = ["syntax_error"]


_TOKEN_NAMES = {
    "SEMICOLON": "';'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "EQUAL": "'='",
    "NAME": "a name",
    "STRING": "a string",
    "QUANTITY": "a number",
    "VECTOR_END": "')'",
    "$END": "end of file",
}


def _describe(exc: UnexpectedInput, text: str) -> tuple[str, tuple[str, ...]]:
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken | UnexpectedEOF):
        expected = {e for e in exc.expected if not e.startswith("__ANON")}
    elif isinstance(exc, UnexpectedCharacters):
        expected = set(exc.allowed or ())
    names = tuple(sorted({_TOKEN_NAMES.get(e, e.lower()) for e in expected}))
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        if text.startswith("/*", pos):
            return "unterminated comment: '/*' has no closing '*/'", ()
        if char == '"':
            return "unterminated string: the closing '\"' is missing on this line", ("'\"'",)
        return f"unexpected character {char!r}", names
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        return "unexpected end of file (is a '}' missing?)", names
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    history = exc.token_history if isinstance(exc.token_history, list) else []
    prev = history[-1] if history else None
    if (
        tok.type == "EQUAL"
        and isinstance(prev, Token)
        and prev.type == "QUANTITY"
        and re.search(r"[A-Za-z]\s*$", str(prev))
    ):
        return (
            f"unexpected '=': is a ';' missing after '{split_quantity(str(prev))[0]}'? "
            f"('{prev!s}' reads as a number with a unit)"
        ), ("';'",)
    shown = "'" + str(tok) + "'" if str(tok) else tok.type
    return f"unexpected {shown}", names


def syntax_error(exc: UnexpectedInput, text: str, doc: Document) -> BedSyntaxError:
    message, expected = _describe(exc, text)
    if expected:
        message += (
            "; expected "
            + (", ".join(expected[:-1]) + " or " if len(expected) > 1 else "")
            + expected[-1]
        )
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else doc.line_count
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    width = 1
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        width = max(len(str(exc.token).splitlines()[0]) if str(exc.token) else 1, 1)
    if isinstance(exc, UnexpectedEOF | UnexpectedToken) and (
        isinstance(exc, UnexpectedEOF) or exc.token.type == "$END"
    ):  # point just after the last thing written
        line = doc.last_written_line
        column = len((doc.source_line(line) or "").rstrip()) + 1
    return BedSyntaxError(
        Diagnostic(
            message=message,
            filename=doc.filename,
            line=line,
            column=column,
            width=width,
            source_line=doc.source_line(line) or "",
            expected=expected,
        )
    )

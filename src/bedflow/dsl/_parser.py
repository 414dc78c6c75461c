"""From `.bed` text to a small syntax tree with source positions (lark, LALR).

The tree keeps every key, value and block with its line and column so that later stages can
point at the exact place of a problem. Syntax errors become :class:`BedSyntaxError` with the
line, a caret and what was expected.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from bedflow._exceptions import BedSyntaxError, Diagnostic

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
    "parse_document",
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
    """A parsed `.bed` file: its top-level items, its lines (for error carets), its name."""

    items: tuple[Assignment | Block, ...]
    lines: tuple[str, ...]
    filename: str
    comments: tuple[Comment, ...] = field(default=())

    def source_line(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

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


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("bedflow.dsl").joinpath("bed.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _span_of_token(tok: Token) -> Span:
    return Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


def _span_of_tree(tree: Tree[Token]) -> Span:
    m = tree.meta
    if getattr(m, "empty", True):
        return Span(0, 0, 0, 0)
    return Span(m.line, m.column, m.end_line, m.end_column)


_NUMBER = re.compile(r"(?>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _split_quantity(text: str) -> tuple[str, str | None]:
    match = _NUMBER.match(text)
    assert match is not None  # the lexer only produces QUANTITY tokens that start with one
    unit = text[match.end() :].strip()
    return match.group(0), unit or None


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def _value(node: Tree[Token] | Token) -> Value:
    if isinstance(node, Token):  # pragma: no cover - every value rule is a tree
        raise TypeError(node)
    kind, span = node.data, _span_of_tree(node)
    if kind == "quantity":
        number, unit = _split_quantity(str(node.children[0]))
        return Quantity(number, unit, span)
    if kind == "string":
        return String(_unquote(str(node.children[0])), span)
    if kind == "word":
        return Word(str(node.children[0]), span)
    if kind == "list":
        return ListValue(tuple(_value(c) for c in node.children if isinstance(c, Tree)), span)
    if kind == "vector":
        *parts, end = node.children
        items = tuple(
            Quantity(*_split_quantity(str(t)), _span_of_token(t))
            for t in parts
            if isinstance(t, Token)
        )
        unit = str(end)[1:].strip() or None
        return Vector(items, unit, span)
    if kind == "mapping":
        return Mapping(tuple(_assignment(c) for c in node.children if isinstance(c, Tree)), span)
    raise TypeError(f"unexpected node {kind}")  # pragma: no cover


def _assignment(node: Tree[Token]) -> Assignment:
    key, value, *rest = node.children
    assert isinstance(key, Token) and isinstance(value, Tree | Token)
    return Assignment(
        key=str(key),
        key_span=_span_of_token(key),
        value=_value(value),
        has_semicolon=bool(rest),
        span=_span_of_tree(node),
    )


def _item(node: Tree[Token]) -> Assignment | Block:
    if node.data == "assignment":
        return _assignment(node)
    name, *rest = node.children
    assert isinstance(name, Token)
    label: str | None = None
    label_span: Span | None = None
    if rest and isinstance(rest[0], Tree) and rest[0].data == "label":
        tok = rest[0].children[0]
        assert isinstance(tok, Token)
        label = _unquote(str(tok)) if tok.type == "STRING" else str(tok)
        label_span = _span_of_token(tok)
        rest = rest[1:]
    items = tuple(_item(c) for c in rest if isinstance(c, Tree))
    return Block(str(name), _span_of_token(name), label, label_span, items, _span_of_tree(node))


def parse_document(text: str, filename: str = "<string>", *, comments: bool = False) -> Document:
    """Parse `.bed` text into a :class:`Document`; raise :class:`BedSyntaxError` if it is not.

    With ``comments=True`` the comments are collected too (for the formatter). A UTF-8
    byte-order mark that some Windows editors put first is skipped.
    """
    text = text.removeprefix("\ufeff")
    lines = tuple(text.split("\n"))  # as lark counts lines: only \n ends one
    doc = Document((), lines, filename)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, doc) from None
    items = tuple(_item(c) for c in tree.children if isinstance(c, Tree))
    _check_line_ends(items, doc)
    found: tuple[Comment, ...] = ()
    if comments:
        found = tuple(
            Comment(str(t), _span_of_token(t))
            for t in _lark().lex(text, dont_ignore=True)
            if t.type == "COMMENT"
        )
    return Document(items, lines, filename, found)


def _check_line_ends(items: tuple[Assignment | Block, ...], doc: Document) -> None:
    """A semicolon may be left out only where the line ends (or a block closes)."""
    for item, following in itertools.pairwise(items):
        if isinstance(item, Assignment) and not item.has_semicolon:
            nxt = following.span if isinstance(following, Assignment) else following.name_span
            if nxt.line == item.span.end_line:
                end = item.span
                at = Span(end.end_line, end.end_column, end.end_line, end.end_column + 1)
                raise BedSyntaxError(
                    doc.diagnostic(
                        f"expected ';' after the value of '{item.key}': another key follows on the "
                        "same line",
                        at,
                        expected=(";",),
                    )
                )
    for item in items:
        if isinstance(item, Block):
            _check_line_ends(item.items, doc)
        elif isinstance(item.value, Mapping):
            _check_line_ends(item.value.items, doc)


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
            f"unexpected '=': is a ';' missing after '{_split_quantity(str(prev))[0]}'? "
            f"('{prev!s}' reads as a number with a unit)"
        ), ("';'",)
    shown = "'" + str(tok) + "'" if str(tok) else tok.type
    return f"unexpected {shown}", names


def _syntax_error(exc: UnexpectedInput, text: str, doc: Document) -> BedSyntaxError:
    message, expected = _describe(exc, text)
    if expected:
        message += (
            "; expected "
            + (", ".join(expected[:-1]) + " or " if len(expected) > 1 else "")
            + expected[-1]
        )
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else max(len(doc.lines), 1)
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    width = 1
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        width = max(len(str(exc.token).splitlines()[0]) if str(exc.token) else 1, 1)
    if isinstance(exc, UnexpectedEOF | UnexpectedToken) and (
        isinstance(exc, UnexpectedEOF) or exc.token.type == "$END"
    ):  # point just after the last thing written
        line = max((i + 1 for i, t in enumerate(doc.lines) if t.strip()), default=1)
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

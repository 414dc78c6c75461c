"""From `.bed` text to nodes with source positions (lark, LALR), read in one pass.

The nodes (``_nodes``) keep every key, value and block with its line and column so that
later stages can point at the exact place of a problem. They are built while the parser
reduces, no parse tree is kept, and each top-level item (or each key of a section, see
:func:`read_items`) is handed on as soon as it is read, so checking can stop early and a
large file costs little more memory than its text. Syntax errors become
:class:`BedSyntaxError` with the line, a caret and what was expected (``_syntax``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput

from bedflow._exceptions import BedSyntaxError
from bedflow.dsl._nodes import (
    Assignment,
    Block,
    Comment,
    Document,
    ListValue,
    Mapping,
    Quantity,
    Span,
    String,
    Value,
    Vector,
    Word,
    split_quantity,
)
from bedflow.dsl._syntax import syntax_error

__all__ = [
    "Assignment",
    "Block",
    "Comment",
    "Document",
    "ListValue",
    "Mapping",
    "Opener",
    "Quantity",
    "Span",
    "Stream",
    "String",
    "Value",
    "Vector",
    "Word",
    "parse_document",
    "read_items",
]


Sink = Callable[[Assignment | Block], None]


class Stream(Protocol):
    """Takes the items of one top-level block as they are read, then the block itself."""

    def item(self, item: Assignment | Block) -> None: ...

    def close(self, block: Block) -> None: ...


Opener = Callable[[Block], "Stream | None"]
"""Called when a top-level block opens (the block without items): a Stream takes its items
as they are read instead of the block keeping them; None keeps them in the block."""


@dataclass
class _Frame:
    """An open block or mapping while it is read; ``stream`` only for a streamed block."""

    stream: Stream | None = None
    previous: Assignment | Block | None = None


@dataclass
class _Reader:
    """The state of one parse: where items go, and the blocks and mappings still open."""

    doc: Document
    sink: Sink
    opener: Opener | None
    frames: list[_Frame] = field(default_factory=list)
    previous: Assignment | Block | None = None
    streamed: Block | None = None

    def direct_child(self, item: Assignment | Block) -> bool:
        """Hand ``item`` to the stream of its block if it is a direct child of a streamed one."""
        frame = self.frames[0] if len(self.frames) == 1 else None
        stream = frame.stream if frame is not None else None
        if frame is None or stream is None:
            return False
        if frame.previous is not None:
            _check_line_ends((frame.previous, item), self.doc, inside=False)
        _check_line_ends((item,), self.doc)
        frame.previous = item
        stream.item(item)
        return True

    def top(self, item: Assignment | Block) -> None:
        if self.previous is not None:
            _check_line_ends((self.previous, item), self.doc, inside=False)
        self.previous = item
        if item is self.streamed:
            return  # its items are checked and handed on already
        _check_line_ends((item,), self.doc)
        self.sink(item)


_READER: ContextVar[_Reader] = ContextVar("bed_reader")
"""The parse in progress in this thread or task (the LALR callbacks are shared)."""


def _span_of_token(tok: Token) -> Span:
    return Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


def _span_between(first: Token | Value | Assignment | Block, last: object) -> Span:
    """From the start of ``first`` to the end of ``last`` (tokens or built nodes)."""
    a = _span_of_token(first) if isinstance(first, Token) else first.span
    b = _span_of_token(last) if isinstance(last, Token) else last.span  # type: ignore[attr-defined]
    return Span(a.line, a.column, b.end_line, b.end_column)


class _Build(Transformer[Token, Any]):
    """Builds the nodes while the LALR parser reduces (no parse tree is kept).

    Every token is kept (``keep_all_tokens``) so that a node's span runs from its first
    token to its last, brackets and semicolons included.
    """

    def quantity(self, c: Sequence[Token]) -> Quantity:
        return Quantity(*split_quantity(str(c[0])), _span_of_token(c[0]))

    def string(self, c: Sequence[Token]) -> String:
        return String(_unquote(str(c[0])), _span_of_token(c[0]))

    def word(self, c: Sequence[Token]) -> Word:
        return Word(str(c[0]), _span_of_token(c[0]))

    def list(self, c: Sequence[Any]) -> ListValue:
        return ListValue(
            tuple(v for v in c if not isinstance(v, Token)), _span_between(c[0], c[-1])
        )

    def vector(self, c: Sequence[Token]) -> Vector:
        items = tuple(
            Quantity(*split_quantity(str(t)), _span_of_token(t)) for t in c if t.type == "QUANTITY"
        )
        return Vector(items, str(c[-1])[1:].strip() or None, _span_between(c[0], c[-1]))

    def mapping_head(self, c: Sequence[Token]) -> Token:
        _READER.get().frames.append(_Frame())
        return c[0]

    def mapping(self, c: Sequence[Any]) -> Mapping:
        _READER.get().frames.pop()
        items = tuple(v for v in c if isinstance(v, Assignment))
        return Mapping(items, _span_between(c[0], c[-1]))

    def assignment(self, c: Sequence[Any]) -> Assignment | None:
        key, _, value, *rest = c
        item = Assignment(
            key=str(key),
            key_span=_span_of_token(key),
            value=value,
            has_semicolon=bool(rest),
            span=_span_between(key, c[-1]),
        )
        return None if _READER.get().direct_child(item) else item

    def label(self, c: Sequence[Token]) -> tuple[str, Span]:
        tok = c[0]
        return (_unquote(str(tok)) if tok.type == "STRING" else str(tok)), _span_of_token(tok)

    def block_head(self, c: Sequence[Any]) -> Block:
        name = c[0]
        label, label_span = c[1] if isinstance(c[1], tuple) else (None, None)
        head = Block(str(name), _span_of_token(name), label, label_span, (), _span_of_token(name))
        reader = _READER.get()
        top = not reader.frames and reader.opener is not None
        reader.frames.append(_Frame(reader.opener(head) if top else None))  # type: ignore[misc]
        return head

    def block(self, c: Sequence[Any]) -> Block | None:
        head = c[0]
        items = tuple(v for v in c[1:] if isinstance(v, Assignment | Block))
        block = Block(
            head.name,
            head.name_span,
            head.label,
            head.label_span,
            items,
            _span_between(head, c[-1]),
        )
        reader = _READER.get()
        stream = reader.frames.pop().stream
        if stream is not None:
            stream.close(block)
            reader.streamed = block
        return None if reader.direct_child(block) else block

    def top(self, c: Sequence[Assignment | Block]) -> None:
        _READER.get().top(c[0])

    def start(self, c: Sequence[None]) -> None:
        return None


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("bedflow.dsl").joinpath("bed.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        transformer=_Build(),
        keep_all_tokens=True,
        maybe_placeholders=False,
    )


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def read_items(doc: Document, sink: Sink, opener: Opener | None = None) -> None:
    """Parse ``doc.text``, handing each top-level item to ``sink`` as soon as it is read.

    With an ``opener``, the items of a top-level block can go to a :class:`Stream` while the
    block is read. Only what is not handed on is held, so a large file costs memory for its
    text and little more; ``sink`` or a stream may raise to stop reading. Raises
    :class:`BedSyntaxError` at the first syntax error (or ``;`` missing between two keys on one
    line).
    """
    token = _READER.set(_Reader(doc, sink, opener))
    try:
        _lark().parse(doc.text)
    except UnexpectedInput as exc:
        raise syntax_error(exc, doc.text, doc) from None
    finally:
        _READER.reset(token)


def parse_document(text: str, filename: str = "<string>", *, comments: bool = False) -> Document:
    """Parse `.bed` text into a :class:`Document`; raise :class:`BedSyntaxError` if it is not.

    With ``comments=True`` the comments are collected too (for the formatter). A UTF-8
    byte-order mark that some Windows editors put first is skipped.
    """
    items: list[Assignment | Block] = []
    doc = Document((), filename, text.removeprefix("\ufeff"))
    read_items(doc, items.append)
    found: tuple[Comment, ...] = ()
    if comments:
        found = tuple(
            Comment(str(t), _span_of_token(t))
            for t in _lark().lex(doc.text, dont_ignore=True)
            if t.type == "COMMENT"
        )
    return Document(tuple(items), filename, doc.text, found)


def _check_line_ends(
    items: tuple[Assignment | Block, ...], doc: Document, *, inside: bool = True
) -> None:
    """A semicolon may be left out only where the line ends (or a block closes).

    ``items`` are neighbours, checked pairwise; with ``inside``, so is each block or mapping
    among them.
    """
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
    for item in items if inside else ():
        if isinstance(item, Block):
            _check_line_ends(item.items, doc)
        elif isinstance(item.value, Mapping):
            _check_line_ends(item.value.items, doc)

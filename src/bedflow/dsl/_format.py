"""The canonical `.bed` text of a spec, keeping a source file's comments when there is one.

Canonical form: ``name`` and ``description`` first, then the sections in a fixed order
(bed, lids, particles, packing, export, cfd), keys in the order of the reference, one per line,
four-space indent, each value in a readable unit that parses back to exactly the same number.
Only keys that were given are written, so defaults stay implicit.

>>> from bedflow.dsl import parse
>>> print(format_spec(parse("particles{count=10} bed{diameter=0.05}")), end="")
bed {
    diameter = 50 mm;
}
<BLANKLINE>
particles {
    count = 10;
}
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bedflow.dsl._compile import compile_document, validate_raw
from bedflow.dsl._convert import unit_dim
from bedflow.dsl._parser import Assignment, Block, Document, parse_document
from bedflow.dsl._raw import KEY_ALIASES, SECTION_ALIASES, TOP_LEVEL_KEYS
from bedflow.dsl._sections import registered
from bedflow.dsl._spec import SECTIONS, BedSpec
from bedflow.dsl._units import format_quantity
from bedflow.dsl._units import short_number as _short

__all__ = ["format_setting", "format_spec", "format_text"]

INDENT = "    "
Anchor = tuple[str, ...]
END: Anchor = ("__end__",)


@dataclass
class _Notes:
    leading: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _is_enum(info: FieldInfo) -> bool:
    return "Literal" in repr(info.annotation) or registered(info) is not None


def _value(value: Any, info: FieldInfo) -> str:
    dim = unit_dim(info)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, BaseModel):
        inner = " ".join(
            f"{k} = {_value(getattr(value, k), type(value).model_fields[k])};"
            for k in type(value).model_fields
            if k in value.model_fields_set
        )
        return "{ " + inner + " }" if inner else "{ }"
    if isinstance(value, tuple):
        parts = ", ".join(_plain(float(v)) for v in value)
        return f"({parts})" + (f" {dim.si}" if dim is not None else "")
    if isinstance(value, list):
        return "[" + ", ".join(_quote(str(v)) for v in value) + "]"
    if isinstance(value, str):
        return value if _is_enum(info) else _quote(value)
    if isinstance(value, int):
        return str(value)
    if dim is not None:
        return format_quantity(float(value), dim)
    return _plain(float(value))


def _plain(x: float) -> str:
    return _short(x)


Line = tuple[str, str]  # code, trailing comment ("" when none)


def _lines(spec: BedSpec, notes: dict[Anchor, _Notes]) -> Iterator[str]:
    used: set[Anchor] = set()

    def note(anchor: Anchor, line: str, indent: str) -> list[Line]:
        n = notes.get(anchor)
        used.add(anchor)
        if n is None:
            return [(indent + line, "")]
        return [(indent + c, "") for c in n.leading] + [(indent + line, " ".join(n.trailing))]

    yield from notes.get(("__start__",), _Notes()).leading
    used.add(("__start__",))
    wrote_top = False
    for key in TOP_LEVEL_KEYS:
        if key in spec.model_fields_set:
            yield from _align(note((key,), f"{key} = {_quote(getattr(spec, key))};", ""))
            wrote_top = True
    first = True
    for name in SECTIONS:
        section = getattr(spec, name)
        keys = [
            k
            for k in type(section).model_fields
            if k in section.model_fields_set and getattr(section, k) is not None
        ]
        if not keys and name not in ("bed", "particles") and (name,) not in notes:
            continue
        if wrote_top or not first:
            yield ""
        first = False
        yield from _align(note((name,), f"{name} {{", ""))
        body: list[Line] = []
        for key in keys:
            info = type(section).model_fields[key]
            body += note((name, key), f"{key} = {_value(getattr(section, key), info)};", INDENT)
        body += [(INDENT + c, "") for c in notes.get((name, "__end__"), _Notes()).leading]
        used.add((name, "__end__"))
        yield from _align(body)
        yield from _align(note((name, "__close__"), "}", ""))
    # Comments whose place no longer exists (a key that was dropped) are kept at the end.
    leftovers = [
        c for a, n in notes.items() if a not in used and a != END for c in (*n.leading, *n.trailing)
    ]
    tail = leftovers + notes.get(END, _Notes()).leading
    if tail:
        yield ""
        yield from tail


def _align(lines: list[Line]) -> list[str]:
    """Line up the trailing comments of one block, two spaces after its longest such line."""
    width = max((len(code) for code, comment in lines if comment), default=0)
    return [f"{code.ljust(width)}  {comment}" if comment else code for code, comment in lines]


def format_spec(spec: BedSpec, *, notes: dict[Anchor, _Notes] | None = None) -> str:
    """The canonical `.bed` text of ``spec`` (``parse(format_spec(s)) == s`` for every spec)."""
    return "\n".join(_lines(spec, notes or {})) + "\n"


def format_setting(spec: BedSpec, path: str) -> str:
    """The value at ``section.key`` (or a top-level key) as `.bed` text; "" when it is unset.

    Top-level strings (the name) come back unquoted, ready to show in a prompt.
    """
    section, _, key = path.partition(".")
    if not key:
        return str(getattr(spec, section))
    model = getattr(spec, section)
    value = getattr(model, key)
    return "" if value is None else _value(value, type(model).model_fields[key])


def format_text(text: str, filename: str = "<string>") -> str:
    """Reformat `.bed` text canonically, keeping its comments; the text must be valid."""
    doc = parse_document(text, filename, comments=True)
    spec = validate_raw(compile_document(doc)).spec
    return format_spec(spec, notes=_anchor_comments(doc))


@dataclass(frozen=True)
class _Entry:
    anchor: Anchor
    line: int
    column: int
    end_line: int


def _entries(doc: Document) -> list[_Entry]:
    """Every place a comment can attach to, in document order."""
    out: list[_Entry] = []

    def walk(items: tuple[Assignment | Block, ...], section: str | None) -> None:
        for item in items:
            if isinstance(item, Assignment):
                if section is None:
                    anchor: Anchor = (
                        (item.key,) if item.key in TOP_LEVEL_KEYS else ("bed", item.key)
                    )
                else:
                    anchor = (section, KEY_ALIASES.get(section, {}).get(item.key, item.key))
                out.append(_Entry(anchor, item.span.line, item.span.column, item.span.end_line))
                continue
            name = SECTION_ALIASES.get(item.name, item.name)
            compact = name == "bed" and any(isinstance(i, Block) for i in item.items)
            head = ("__start__",) if compact else (name,)
            out.append(
                _Entry(head, item.name_span.line, item.name_span.column, item.name_span.line)
            )
            walk(item.items, None if compact else name)
            # Before the closing brace: the block's last comments; after it: its trailing one.
            end_line, end_col = item.span.end_line, item.span.end_column - 1
            out.append(_Entry(END if compact else (name, "__end__"), end_line, end_col, -1))
            out.append(_Entry(END if compact else (name, "__close__"), end_line, end_col, end_line))

    walk(doc.items, None)
    return out


def _anchor_comments(doc: Document) -> dict[Anchor, _Notes]:
    entries = _entries(doc)
    notes: dict[Anchor, _Notes] = {}
    for c in doc.comments:
        pos = (c.span.line, c.span.column)
        before = [e for e in entries if e.end_line == c.span.line and (e.line, e.column) < pos]
        if before and not any(
            (e.line, e.column) > (before[-1].line, before[-1].column) and (e.line, e.column) < pos
            for e in entries
        ):
            notes.setdefault(before[-1].anchor, _Notes()).trailing.append(c.text)
            continue
        after = next((e for e in entries if (e.line, e.column) > pos), None)
        if after is None:
            anchor = END
        elif after is entries[0]:
            anchor = ("__start__",)  # comments above everything are the file's header
        else:
            anchor = after.anchor
        notes.setdefault(anchor, _Notes()).leading.append(c.text)
    return notes

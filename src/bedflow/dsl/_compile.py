"""From a parsed `.bed` document to a validated :class:`BedSpec`, with located diagnostics.

Stage one turns the syntax tree into plain data (SI values) while checking sections, keys and
units; stage two lets pydantic validate types and ranges and the spec check its cross-field
rules. Every problem of both stages is reported with the place in the file it comes from.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

from bedflow._exceptions import BedWarning, Diagnostic
from bedflow.dsl._convert import convert, fill
from bedflow.dsl._parser import (
    Assignment,
    Block,
    Document,
    Span,
    Stream,
    parse_document,
    read_items,
)
from bedflow.dsl._raw import (
    INVALID,
    SECTION_ALIASES,
    TOP_LEVEL_KEYS,
    Raw,
    TooManyErrors,
    suggest,
)
from bedflow.dsl._spec import SECTIONS, BedSpec
from bedflow.dsl._validate import Compiled, validate_raw

__all__ = [
    "Compiled",
    "apply_overrides",
    "apply_settings",
    "compile_document",
    "compile_text",
    "load",
    "parse",
    "parse_with_diagnostics",
    "validate_raw",
]


def compile_document(doc: Document, *, complete: bool = True) -> Raw:
    """Stage one: sections, keys and units into plain SI data (no validation of values).

    ``complete=False`` accepts a fragment that lacks the required sections (for overrides).
    """
    raw = Raw(doc)
    stage = _StageOne(raw, complete=complete)
    try:
        for item in doc.items:
            stage.add(item)
        stage.finish()
    except TooManyErrors:
        raw.stopped = True
    return raw


def compile_text(text: str, filename: str = "<string>", *, complete: bool = True) -> Raw:
    """Parse `.bed` text and run stage one on each top-level item as soon as it is read.

    Neither a syntax tree nor the items are kept: memory is the text's and the keys'. Reading
    stops at :data:`MAX_ERRORS` errors, so a long file of wrong lines costs little. Raises
    :class:`BedSyntaxError` at the first syntax error.
    """
    doc = Document((), filename, text.removeprefix("\ufeff"))
    raw = Raw(doc)
    stage = _StageOne(raw, complete=complete)
    try:
        read_items(doc, stage.add, _Opener(raw, stage))
        stage.finish()
    except TooManyErrors:
        raw.stopped = True
    return raw


class _SectionStream:
    """The keys of a known section, filled as they are read (see :func:`read_items`)."""

    def __init__(self, raw: Raw, block: Block, name: str) -> None:
        self.raw, self.name = raw, name
        if name != "bed" or block.name != "bed":  # the compact form may have no bed keys
            raw.data.setdefault(name, {})

    def item(self, item: Assignment | Block) -> None:
        self.fill((item,))

    def fill(self, items: tuple[Assignment | Block, ...] | list[Assignment]) -> None:
        into = self.raw.data.setdefault(self.name, {})
        fill(items, SECTIONS[self.name], self.name, (self.name,), self.raw, into)

    def close(self, block: Block) -> None:
        return None


class _BedStream(_SectionStream):
    """The ``bed`` block, which may also be the compact form ``bed NAME { geometry { } ... }``.

    Its ``name`` and ``description`` wait until the form is known: top-level keys in the
    compact form (a section inside), unknown keys of ``bed`` otherwise.
    """

    def __init__(self, raw: Raw, block: Block, stage: _StageOne) -> None:
        super().__init__(raw, block, "bed")
        self.stage = stage
        self.compact = False
        self.waiting: list[Assignment] = []

    def item(self, item: Assignment | Block) -> None:
        if isinstance(item, Block):
            self.compact = True
            for waiting in self.waiting:
                self.stage.top_assignment(waiting)
            self.waiting.clear()
            self.stage.section(item)
        elif item.key in TOP_LEVEL_KEYS:
            if self.compact:
                self.stage.top_assignment(item)
            else:
                self.waiting.append(item)
        else:
            super().item(item)

    def close(self, block: Block) -> None:
        if not self.compact:
            self.fill(self.waiting)


class _Unknown:
    """An unknown section: reported when it opens, its keys dropped unchecked as they come."""

    def item(self, item: Assignment | Block) -> None:
        return None

    def close(self, block: Block) -> None:
        return None


class _Opener:
    """Where :func:`read_items` sends the keys of each top-level block as they are read."""

    def __init__(self, raw: Raw, stage: _StageOne) -> None:
        self.raw, self.stage = raw, stage

    def __call__(self, block: Block) -> Stream:
        name = SECTION_ALIASES.get(block.name, block.name)
        if name not in SECTIONS:
            self.stage.section(block)  # reports it
            return _Unknown()
        if block.name == "bed":
            self.stage.label(block)
            self.stage.seen(name, block.name_span)
            return _BedStream(self.raw, block, self.stage)
        self.stage.open_section(block, name)
        return _SectionStream(self.raw, block, name)


class _StageOne:
    """Stage one, item by item: ``add`` each top-level item (or stream blocks), then ``finish``."""

    def __init__(self, raw: Raw, *, complete: bool) -> None:
        self.raw, self.complete = raw, complete
        self.sections_seen: dict[str, Span] = {}

    def seen(self, name: str, span: Span) -> None:
        # A section given twice is merged; a key set in both is reported as set twice.
        if name not in self.sections_seen:
            self.sections_seen[name] = span
            self.raw.mark((name,), span)

    def open_section(self, block: Block, name: str) -> None:
        """A known section starts: note it, and refuse a name given to any but ``bed``."""
        self.seen(name, block.name_span)
        if block.label is not None and name != "bed":
            self.raw.error(
                f"only the bed section takes a name, not '{block.name}'", block.label_span
            )

    def section(self, block: Block) -> None:
        raw = self.raw
        name = SECTION_ALIASES.get(block.name, block.name)
        if name not in SECTIONS:
            raw.error(
                f"unknown section '{block.name}'"
                f"{suggest(block.name, [*SECTIONS, *SECTION_ALIASES])}",
                block.name_span,
                expected=tuple(SECTIONS),
            )
            return
        self.open_section(block, name)
        fill(block.items, SECTIONS[name], name, (name,), raw, raw.data.setdefault(name, {}))

    def twice(self, key: str, span: Span) -> None:
        first = self.raw.span((key,))
        where = f" (first set at line {first.line})" if first else ""
        self.raw.error(f"'{key}' is set twice{where}", span)

    def label(self, block: Block) -> None:
        """``bed NAME { ... }``: the label is the bed's name."""
        if block.label is None:
            return
        span = block.label_span or block.name_span
        if "name" in self.raw.data:
            self.twice("name", span)
            return
        self.raw.data["name"] = block.label
        self.raw.mark(("name",), span)

    def top_assignment(self, item: Assignment) -> None:
        raw = self.raw
        if item.key not in TOP_LEVEL_KEYS:
            raw.error(
                f"unknown top-level key '{item.key}'"
                f"{suggest(item.key, [*TOP_LEVEL_KEYS, *SECTIONS])} (keys go inside a "
                "section such as bed { ... })",
                item.key_span,
                expected=TOP_LEVEL_KEYS,
            )
            return
        if item.key in raw.data:
            self.twice(item.key, item.key_span)
            return
        value = convert(item.value, BedSpec.model_fields[item.key], item.key, (item.key,), raw)
        if value is not INVALID:
            raw.data[item.key] = value

    def add(self, item: Assignment | Block) -> None:
        raw = self.raw
        if isinstance(item, Assignment):
            self.top_assignment(item)
        elif item.name == "bed" and any(isinstance(i, Block) for i in item.items):
            # The compact nested form: bed NAME { geometry { ... } particles { ... } }
            self.label(item)
            loose: list[Assignment] = []
            for inner in item.items:
                if isinstance(inner, Block):
                    self.section(inner)
                elif inner.key in TOP_LEVEL_KEYS:
                    self.top_assignment(inner)
                else:
                    loose.append(inner)
            if loose:
                self.sections_seen.setdefault("bed", item.name_span)
                fill(loose, SECTIONS["bed"], "bed", ("bed",), raw, raw.data.setdefault("bed", {}))
        else:
            if item.name == "bed":
                self.label(item)
            self.section(item)

    def finish(self) -> None:
        last = self.raw.doc.last_written_line
        end = Span(last, 1, last, 1)
        for required in ("bed", "particles") if self.complete else ():
            if required not in self.raw.data:
                self.raw.error(
                    f"missing section '{required}' (write '{required} {{ }}' to take every "
                    "default)",
                    end,
                )


def parse_with_diagnostics(
    text: str, filename: str = "<string>", *, overrides: Iterable[str] = ()
) -> Compiled:
    """Parse and validate `.bed` text; return the spec and its warnings.

    ``overrides`` are ``section.key=value`` settings applied on top of the text. Raises
    :class:`BedSyntaxError` when the text does not parse and :class:`BedValidationError`
    (listing every problem) when it describes an invalid bed.
    """
    raw = compile_text(text, filename)
    apply_overrides(raw, overrides)
    return validate_raw(raw)


def apply_overrides(raw: Raw, overrides: Iterable[str], source: str = "--set") -> None:
    """Apply ``section.key=value`` settings (value in `.bed` syntax) on top of ``raw``.

    Each setting is compiled as its own one-line document named ``source``, so its errors
    point into the setting, not into the file it overrides.
    """
    for setting in overrides:
        target, sep, value = setting.partition("=")
        if sep and target.strip() in TOP_LEVEL_KEYS and value.strip():
            part = compile_document(
                parse_document(f"{target.strip()} = {value.strip()}", source), complete=False
            )
            _merge_part(raw, part)
            raw.data.update(part.data)
            continue
        section, dot, key = target.strip().partition(".")
        section = SECTION_ALIASES.get(section, section)
        if not sep or not dot or not key or not value.strip():
            raw.errors.append(
                Diagnostic(
                    f"cannot read {setting!r}: write section.key=value, e.g. bed.diameter=5cm",
                    filename=source,
                )
            )
            continue
        if section not in SECTIONS:
            raw.errors.append(
                Diagnostic(
                    f"unknown section {section!r} in {setting!r}{suggest(section, SECTIONS)}",
                    filename=source,
                )
            )
            continue
        doc = parse_document(f"{section} {{ {key.strip()} = {value.strip()} }}", source)
        block = doc.items[0]
        if len(doc.items) != 1 or not isinstance(block, Block) or len(block.items) != 1:
            raw.errors.append(
                Diagnostic(f"{setting!r} must set exactly one value", filename=source)
            )
            continue
        part = compile_document(doc, complete=False)
        _merge_part(raw, part)
        for sec, values in part.data.items():
            raw.data.setdefault(sec, {}).update(values)
        for path in part.unset:  # "--set particles.mass=0" unsets what the file set
            section_data = raw.data.get(str(path[0]))
            if len(path) == 2 and isinstance(section_data, dict):
                section_data.pop(str(path[1]), None)


def apply_settings(spec: BedSpec, settings: Iterable[str], source: str = "--set") -> Compiled:
    """``spec`` with ``section.key=value`` settings (value in `.bed` syntax) applied, checked.

    Only the settings are compiled: the spec's own values are taken as they are, not written
    out as text and read back. Raises :class:`BedValidationError` with every problem, each
    located in the setting (named ``source``) it comes from.

    >>> faster = apply_settings(spec, ["cfd.inlet_velocity=5 cm/s"]).spec  # doctest: +SKIP
    >>> faster.cfd.inlet_velocity  # doctest: +SKIP
    0.05
    """
    raw = Raw(parse_document("", "<bed>"), data=spec.model_dump())
    apply_overrides(raw, settings, source)
    return validate_raw(raw)


def _merge_part(raw: Raw, part: Raw) -> None:
    """Add what compiling an override found (errors, notes, places) to ``raw``."""
    raw.errors.extend(part.errors)
    raw.notes.extend(part.notes)
    raw.spans.update(part.spans)
    raw.unset.update(part.unset)
    raw.stopped = raw.stopped or part.stopped


def parse(text: str, filename: str = "<string>") -> BedSpec:
    """Parse and validate `.bed` text into a :class:`BedSpec`; warnings go to :mod:`warnings`.

    >>> parse("bed { diameter = 5 cm; } particles { diameter = 5mm; count = 10 }").bed.diameter
    0.05
    """
    compiled = parse_with_diagnostics(text, filename)
    for note in compiled.warnings:
        warnings.warn(BedWarning(note.render()), stacklevel=2)
    return compiled.spec


def load(path: str | Path) -> BedSpec:
    """Read, parse and validate a `.bed` file."""
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), str(p))

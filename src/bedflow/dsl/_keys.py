"""How a key of a `.bed` section is declared: the base of the section models, physical
quantities with their SI unit, values named in a registry, and the marks and patterns the
sections share (see :mod:`bedflow.dsl._sections`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    JsonValue,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from bedflow._registry import EXPORT_FORMATS, PACKING_ENGINES, SOLVERS, Registry
from bedflow.dsl._units import Dimension

__all__ = [
    "DEPRECATED",
    "ONE_LINE",
    "TEXT",
    "ExportFormat",
    "PackingMethod",
    "Registered",
    "Section",
    "Solver",
    "quantity",
    "registered",
]


@dataclass(frozen=True)
class Registered:
    """Marks a key whose values are the names in a registry (``bedflow._registry``), plus
    ``also``: the names of the plugins installed where the spec is read, so a plugin's name
    is accepted without the language knowing it.

    The JSON Schema gives them as an ``enum`` (so the schema of a server names its plugins);
    the generated reference lists the built-in names only, the same on every machine.
    """

    registry: Registry[Any]
    also: tuple[str, ...] = ()

    def choices(self) -> tuple[str, ...]:
        """Every accepted value: ``also``, the built-ins, then the installed plugins."""
        return (*self.also, *self.registry.names())

    def builtin_choices(self) -> tuple[str, ...]:
        """The values of bedflow itself."""
        return (*self.also, *self.registry.builtin_names())

    def _check(self, value: str) -> str:
        if value in self.also or value in self.registry:
            return value
        raise PydanticCustomError(
            "unknown_name",
            "unknown {kind} '{value}'",
            {"kind": self.registry.kind, "value": value, "choices": list(self.choices())},
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["enum"] = list(self.choices())
        return out


def registered(info: FieldInfo) -> Registered | None:
    """The registry a key's values are named in (its own, or its list items'), if any."""
    for meta in info.metadata:
        if isinstance(meta, Registered):
            return meta
    for arg in getattr(info.annotation, "__args__", ()):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, Registered):
                return meta
    return None


PackingMethod = Annotated[str, Registered(PACKING_ENGINES, also=("auto",))]
ExportFormat = Annotated[str, Registered(EXPORT_FORMATS)]
Solver = Annotated[str, Registered(SOLVERS)]

ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
"""Names: printable text on one line, no control characters."""
TEXT = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"
"""Descriptions: printable text, tabs and line breaks allowed."""

DEPRECATED: dict[str, JsonValue] = {"deprecated": True}
"""The schema mark of a key kept so that old files still check, but that has no effect: the
compiler notes it where it is written (its value stays in the spec, so spec hashes hold)."""


def quantity(default: Any, dim: Dimension, description: str, **constraints: Any) -> Any:
    """A field holding a physical quantity in SI units; ``dim`` is recorded in the schema."""
    return Field(
        default, description=description, json_schema_extra={"unit": dim.si}, **constraints
    )


class Section(BaseModel):
    """The base of the section models: unknown keys, changes after validation and infinite or
    NaN numbers are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

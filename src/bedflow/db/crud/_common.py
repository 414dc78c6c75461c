"""Pagination and sorting shared by the listing functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bedflow._exceptions import RequestError

__all__ = ["MAX_LIMIT", "Page", "check_range", "paginate"]

T = TypeVar("T")

MAX_LIMIT = 1000
"""Largest page a listing returns."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing: its rows and how many rows match in all."""

    data: Sequence[T]
    count: int


def paginate(
    session: Session,
    stmt: Select[T],
    *,
    offset: int,
    limit: int,
    sort: str,
    sortable: Mapping[str, InstrumentedAttribute[Any]],
    tiebreak: InstrumentedAttribute[Any],
) -> Page[T]:
    """Run ``stmt`` sorted by ``sort`` (``name`` or ``-name`` for descending), one page of it."""
    if offset < 0:
        raise RequestError("offset must be 0 or more")
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestError(f"limit must be between 1 and {MAX_LIMIT}")
    field = sort.removeprefix("-")
    if field not in sortable:
        raise RequestError(f"cannot sort by {sort!r}; use one of {', '.join(sorted(sortable))}")
    column = sortable[field]
    order = column.desc() if sort.startswith("-") else column.asc()
    count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    # The tiebreak keeps pages stable when many rows share the sort value.
    rows = session.scalars(stmt.order_by(order, tiebreak).offset(offset).limit(limit)).all()
    return Page(data=rows, count=count)


def check_range(name: str, low: float | None, high: float | None) -> None:
    """RequestError when ``low`` is above ``high``."""
    if low is not None and high is not None and low > high:
        raise RequestError(f"{name}: minimum {low} is above maximum {high}")

"""Usage statistics: runs (simulations) counted, their success rate and mean duration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from bedflow.db._accounts import User
from bedflow.db._beds import Bed, Simulation

__all__ = ["RunStats", "run_stats", "runs_per_day"]


@dataclass(frozen=True)
class RunStats:
    """The runs of one group (a solver, a user id, or all of them for key ``""``)."""

    key: str
    runs: int
    succeeded: int
    failed: int
    cancelled: int
    mean_duration_s: float | None
    """Mean duration of the succeeded runs, s."""

    @property
    def success_rate(self) -> float | None:
        """Succeeded over finished runs; None when none finished."""
        finished = self.succeeded + self.failed + self.cancelled
        return self.succeeded / finished if finished else None


def run_stats(
    session: Session,
    *,
    since: datetime,
    owner: User | None = None,
    by: Literal["all", "solver", "user"] = "all",
) -> list[RunStats]:
    """Runs created since ``since``, grouped ``by`` solver or by the bed's owner (user id).

    With ``owner``, only the runs of that user's beds (a user's own statistics); without, all
    of them (an admin's). Groups are sorted by number of runs, most first.

    >>> run_stats(session, since=midnight, by="solver")  # doctest: +SKIP
    [RunStats(key='lbm', runs=3, succeeded=2, failed=1, cancelled=0, mean_duration_s=41.5)]
    """
    key = {"all": None, "solver": Simulation.solver, "user": Bed.owner_id}[by]
    columns: list[Any] = [
        func.count(Simulation.id),
        func.sum(case((Simulation.status == "succeeded", 1), else_=0)),
        func.sum(case((Simulation.status == "failed", 1), else_=0)),
        func.sum(case((Simulation.status == "cancelled", 1), else_=0)),
        func.avg(case((Simulation.status == "succeeded", Simulation.duration_s), else_=None)),
    ]
    grouped: list[Any] = [key] if key is not None else []
    stmt: Select[Any] = select(*grouped, *columns)
    stmt = stmt.select_from(Simulation).join(Bed, Bed.id == Simulation.bed_id)
    stmt = stmt.where(Simulation.created_at >= since)
    if owner is not None:
        stmt = stmt.where(Bed.owner_id == owner.id)
    if key is not None:
        stmt = stmt.group_by(key).order_by(func.count(Simulation.id).desc(), key)
    out = []
    for row in session.execute(stmt):
        values: tuple[Any, ...] = tuple(row)
        group = str(values[0]) if key is not None else ""
        runs, ok, failed, cancelled, mean = values[1:] if key is not None else values
        if key is not None or runs:
            out.append(
                RunStats(
                    key=group,
                    runs=int(runs or 0),
                    succeeded=int(ok or 0),
                    failed=int(failed or 0),
                    cancelled=int(cancelled or 0),
                    mean_duration_s=float(mean) if mean is not None else None,
                )
            )
    if by == "all" and not out:
        out.append(RunStats("", 0, 0, 0, 0, None))
    return out


def runs_per_day(
    session: Session, *, first: date, last: date, owner: User | None = None
) -> list[tuple[date, int]]:
    """Runs created on each UTC day from ``first`` to ``last`` (both included, a zero for a
    day without any), oldest first; with ``owner``, only the runs of that user's beds.

    The days are counted here from the runs' creation times (UTC) rather than by the
    database's date functions, which differ between PostgreSQL and SQLite and between
    sessions' time zones.
    """
    since = datetime.combine(first, time(), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    stmt = select(Simulation.created_at).join(Bed, Bed.id == Simulation.bed_id)
    stmt = stmt.where(Simulation.created_at >= since, Simulation.created_at < until)
    if owner is not None:
        stmt = stmt.where(Bed.owner_id == owner.id)
    counts: dict[date, int] = {}
    for created in session.scalars(stmt):
        day = created.astimezone(UTC).date()
        counts[day] = counts.get(day, 0) + 1
    days = (last - first).days + 1
    return [(d, counts.get(d, 0)) for d in (first + timedelta(days=i) for i in range(days))]

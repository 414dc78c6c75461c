"""Usage statistics and the history of recent activity: reads that tolerate lag, served by
the read replica when one is configured (``_replica``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from bedflow.api._replica import lag_tolerant
from bedflow.api.deps import CurrentUser, SessionDep, StateDep
from bedflow.api.schemas import (
    ActivitiesPublic,
    ActivityPublic,
    DayCount,
    GroupStats,
    StatsPublic,
)
from bedflow.db import User, crud, utcnow

router = APIRouter(tags=["statistics"])


def _group(s: crud.RunStats) -> GroupStats:
    return GroupStats(
        key=s.key,
        runs=s.runs,
        succeeded=s.succeeded,
        failed=s.failed,
        success_rate=s.success_rate,
        mean_duration_s=s.mean_duration_s,
    )


@router.get("/stats")
def read_stats(
    state: StateDep,
    session: SessionDep,
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=3650, description="window of the rates and means")] = 30,
) -> StatsPublic:
    """Runs today, success rate and mean duration, by solver and by user, and runs per day.

    An admin sees every run; a user sees the runs of their own beds. From the read replica
    when one is configured: the last seconds' runs may be missing.
    """
    owner: User | None = None if user.is_admin else user
    return lag_tolerant(state.replica, session, lambda s: _stats(s, owner, days))


def _stats(session: Session, owner: User | None, days: int) -> StatsPublic:
    now = utcnow()
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    since = now - timedelta(days=days)
    today = crud.run_stats(session, since=midnight, owner=owner)[0]
    total = crud.run_stats(session, since=since, owner=owner)[0]
    by_solver = crud.run_stats(session, since=since, owner=owner, by="solver")
    by_user = crud.run_stats(session, since=since, owner=owner, by="user")
    jobs = crud.job_counts(session, since=since, user=owner)
    per_day = crud.runs_per_day(
        session, first=now.date() - timedelta(days=days - 1), last=now.date(), owner=owner
    )
    return StatsPublic(
        runs_today=today.runs,
        window_days=days,
        runs=total.runs,
        success_rate=total.success_rate,
        mean_duration_s=total.mean_duration_s,
        by_solver=[_group(s) for s in by_solver],
        by_user=[_group(s) for s in by_user],
        jobs_by_status=dict(jobs),
        runs_per_day=[DayCount(day=d, runs=n) for d, n in per_day],
    )


@router.get("/activity")
def list_activity(
    state: StateDep,
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ActivitiesPublic:
    """Recent activity, newest first: everyone's for an admin, one's own otherwise (from the
    read replica when one is configured: the last seconds' may be missing)."""
    mine: User | None = None if user.is_admin else user

    def page(s: Session) -> ActivitiesPublic:
        found = crud.list_activity(s, user=mine, offset=offset, limit=limit)
        data = [ActivityPublic.model_validate(a) for a in found.data]
        return ActivitiesPublic(data=data, count=found.count)

    return lag_tolerant(state.replica, session, page)

"""Usage statistics and the history of recent activity."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from bedflow.api.deps import CurrentUser, SessionDep
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
    session: SessionDep,
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=3650, description="window of the rates and means")] = 30,
) -> StatsPublic:
    """Runs today, success rate and mean duration, by solver and by user, and runs per day.

    An admin sees every run; a user sees the runs of their own beds.
    """
    now = utcnow()
    owner: User | None = None if user.is_admin else user
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
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ActivitiesPublic:
    """Recent activity, newest first: everyone's for an admin, one's own otherwise."""
    page = crud.list_activity(
        session, user=None if user.is_admin else user, offset=offset, limit=limit
    )
    return ActivitiesPublic(
        data=[ActivityPublic.model_validate(a) for a in page.data], count=page.count
    )

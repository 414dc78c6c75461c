"""Who may see what: every read of a bed, file, simulation, job or result goes through here.

A bed is visible to its owner, to the owner and members of its project, and to admins;
its files, simulations and results follow the bed; a job is visible to whoever started it
and to those who see its bed.
"""

from __future__ import annotations

import uuid

from sqlalchemy import BindParameter, ColumnElement, CompoundSelect, Select, or_, select

from bedflow.db._accounts import Project, ProjectMember, User
from bedflow.db._beds import Bed, BedFile, Job, Result, Simulation

__all__ = [
    "visible_bed_ids",
    "visible_beds_clause",
    "visible_beds_query",
    "visible_files_query",
    "visible_jobs_query",
    "visible_projects_query",
    "visible_results_query",
    "visible_simulations_query",
    "writable_beds_query",
]


def _project_ids(user: User, *, editors_only: bool = False) -> CompoundSelect[uuid.UUID]:
    return _project_ids_of(user.id, editors_only=editors_only)


def _project_ids_of(
    user_id: uuid.UUID | BindParameter[uuid.UUID], *, editors_only: bool = False
) -> CompoundSelect[uuid.UUID]:
    members = select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
    if editors_only:
        members = members.where(ProjectMember.role == "editor")
    return members.union(select(Project.id).where(Project.owner_id == user_id))


def visible_beds_query(user: User) -> Select[Bed]:
    """The beds ``user`` may read, as a query to filter, sort and page further.

    >>> session.scalars(visible_beds_query(user).where(Bed.name == "a"))  # doctest: +SKIP
    """
    stmt = select(Bed)
    return stmt if user.is_admin else stmt.where(visible_beds_clause(user.id))


def visible_beds_clause(user_id: uuid.UUID | BindParameter[uuid.UUID]) -> ColumnElement[bool]:
    """The condition of :func:`visible_beds_query` for a non-admin; ``user_id`` may be a bound
    parameter, for a statement built once and run for every user."""
    return or_(Bed.owner_id == user_id, Bed.project_id.in_(_project_ids_of(user_id)))


def writable_beds_query(user: User) -> Select[Bed]:
    """The beds ``user`` may change or delete: owner, project owner or editor, admin."""
    stmt = select(Bed)
    if user.is_admin:
        return stmt
    editable = _project_ids(user, editors_only=True)
    return stmt.where(or_(Bed.owner_id == user.id, Bed.project_id.in_(editable)))


def visible_bed_ids(user: User) -> Select[uuid.UUID]:
    """The ids of the beds ``user`` may read (a subquery)."""
    return visible_beds_query(user).with_only_columns(Bed.id)


def visible_files_query(user: User) -> Select[BedFile]:
    """The bed files ``user`` may read."""
    stmt = select(BedFile)
    return stmt if user.is_admin else stmt.where(BedFile.bed_id.in_(visible_bed_ids(user)))


def visible_simulations_query(user: User) -> Select[Simulation]:
    """The simulations ``user`` may read."""
    stmt = select(Simulation)
    return stmt if user.is_admin else stmt.where(Simulation.bed_id.in_(visible_bed_ids(user)))


def visible_results_query(user: User) -> Select[Result]:
    """The results ``user`` may read."""
    stmt = select(Result)
    if user.is_admin:
        return stmt
    sims = select(Simulation.id).where(Simulation.bed_id.in_(visible_bed_ids(user)))
    return stmt.where(Result.simulation_id.in_(sims))


def visible_jobs_query(user: User) -> Select[Job]:
    """The jobs ``user`` may read: their own, and those on beds they see."""
    stmt = select(Job)
    if user.is_admin:
        return stmt
    return stmt.where(or_(Job.user_id == user.id, Job.bed_id.in_(visible_bed_ids(user))))


def visible_projects_query(user: User) -> Select[Project]:
    """The projects ``user`` owns or is a member of (all of them for admins)."""
    stmt = select(Project)
    return stmt if user.is_admin else stmt.where(Project.id.in_(_project_ids(user)))

"""Access: a bed and everything under it is visible to its owner, its project, and admins."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy.orm import Session

from bedflow.db import crud
from bedflow.storage import LocalStorage
from tests.utils.db import make_bed, make_project, make_user
from tests.utils.results import store_result


def test_one_user_cannot_see_another_users_beds(session: Session, tmp_path: Path) -> None:
    alice, bob = make_user(session, name="alice"), make_user(session, name="bob")
    bed = make_bed(session, owner=alice)
    file = crud.store_file(
        session, storage=LocalStorage(tmp_path), bed=bed, upload=io.BytesIO(b"x"), kind="other"
    )
    sim = crud.create_simulation(session, bed=bed, solver="lbm")
    result = store_result(session, sim)
    job = crud.create_job(session, user=alice, type="simulate", simulation=sim)

    assert crud.get_bed(session, user=alice, bed_id=bed.id) is not None
    assert crud.get_bed(session, user=bob, bed_id=bed.id) is None
    assert crud.get_bed(session, user=bob, bed_id=bed.id, write=True) is None
    assert crud.list_beds(session, user=bob).count == 0
    assert crud.get_file(session, user=bob, file_id=file.id) is None
    assert crud.list_files(session, user=bob, bed_id=bed.id) == []
    assert crud.get_simulation(session, user=bob, simulation_id=sim.id) is None
    assert crud.list_simulations(session, user=bob, bed_id=bed.id).count == 0
    assert crud.get_result(session, user=bob, result_id=result.id) is None
    assert crud.list_results(session, user=bob, result_ids=[result.id]) == []
    assert crud.get_job(session, user=bob, job_id=job.id) is None
    assert crud.list_jobs(session, user=bob).count == 0
    assert crud.get_job(session, user=alice, job_id=job.id) is not None


def test_project_members_can_see_and_editors_can_change(session: Session) -> None:
    alice, bob, carol = (make_user(session, name=n) for n in ("alice", "bob", "carol"))
    project = make_project(session, owner=alice)
    shared = make_bed(session, owner=alice, project=project, name="shared")
    make_bed(session, owner=alice, name="private")

    crud.add_member(session, project=project, user=bob, role="viewer")
    assert [b.name for b in crud.list_beds(session, user=bob).data] == ["shared"]
    assert crud.get_bed(session, user=bob, bed_id=shared.id, write=True) is None
    assert crud.get_project(session, user=bob, project_id=project.id) is not None
    assert crud.get_project(session, user=carol, project_id=project.id) is None

    crud.add_member(session, project=project, user=bob, role="editor")
    assert crud.get_bed(session, user=bob, bed_id=shared.id, write=True) is not None
    assert [m.role for m in crud.list_members(session, project=project)] == ["editor"]

    assert crud.remove_member(session, project=project, user=bob)
    assert crud.list_beds(session, user=bob).count == 0
    assert not crud.remove_member(session, project=project, user=bob)


def test_project_owner_sees_beds_others_put_in_the_project(session: Session) -> None:
    alice, bob = make_user(session, name="alice"), make_user(session, name="bob")
    project = make_project(session, owner=alice)
    crud.add_member(session, project=project, user=bob, role="editor")
    bed = make_bed(session, owner=bob, project=project)
    assert crud.get_bed(session, user=alice, bed_id=bed.id, write=True) is not None


def test_admins_see_everything(session: Session) -> None:
    alice, admin = make_user(session, name="alice"), make_user(session, name="root", role="admin")
    bed = make_bed(session, owner=alice)
    job = crud.create_job(session, user=alice, type="pack", bed=bed)
    assert crud.get_bed(session, user=admin, bed_id=bed.id, write=True) is not None
    assert crud.get_job(session, user=admin, job_id=job.id) is not None
    assert crud.list_beds(session, user=admin).count == 1


def test_jobs_on_a_shared_bed_are_visible_to_the_project(session: Session) -> None:
    alice, bob = make_user(session, name="alice"), make_user(session, name="bob")
    project = make_project(session, owner=alice)
    bed = make_bed(session, owner=alice, project=project)
    job = crud.create_job(session, user=alice, type="pack", bed=bed)
    crud.add_member(session, project=project, user=bob)
    assert crud.get_job(session, user=bob, job_id=job.id) is not None
    assert crud.list_jobs(session, user=bob, mine_only=True).count == 0

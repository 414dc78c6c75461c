"""An outside-style probe of every write that could change who owns a thing or which project
it is in: two users with projects of their own, and an editor of one of them trying each.

Regression: an editor of the owner's project could ``PATCH /beds/{id} {"project_id": <own
project>}`` (200), after which their own project's members read the bed and they kept reading
and writing it after the owner removed them from the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from bedflow.db import Bed, Project, User, crud
from tests.utils.api import Api
from tests.utils.beds import bed_text
from tests.utils.db import make_project

BEDS = "/api/v1/beds"
PROJECTS = "/api/v1/projects"


@dataclass
class World:
    owner: User
    h_owner: dict[str, str]
    editor: User
    h_editor: dict[str, str]
    friend: User
    h_friend: dict[str, str]
    admin_h: dict[str, str]
    shared: Project  # the owner's project, where editor is an editor
    mine: Project  # the editor's own project, where friend is a viewer
    other: Project  # another project of the owner, editor not in it
    bed: Bed  # the owner's bed, in `shared`


def _world(api: Api) -> World:
    owner, h_owner = api.user()
    editor, h_editor = api.user()
    friend, h_friend = api.user()
    _, admin_h = api.user(role="admin")
    shared = make_project(api.session, owner=owner, name="shared")
    other = make_project(api.session, owner=owner, name="other")
    mine = make_project(api.session, owner=editor, name="mine")
    # Memberships through the data layer: how members join is not what this probes.
    crud.add_member(api.session, project=shared, user=editor, role="editor")
    crud.add_member(api.session, project=mine, user=friend, role="viewer")
    bed = api.bed(owner, project=shared)
    return World(
        owner, h_owner, editor, h_editor, friend, h_friend, admin_h, shared, mine, other, bed
    )


def _project_of(api: Api, w: World) -> str | None:
    project: str | None = api.client.get(f"{BEDS}/{w.bed.id}", headers=w.h_owner).json()[
        "project_id"
    ]
    return project


def test_an_editor_cannot_take_the_owners_bed_into_their_own_project(api: Api) -> None:
    w = _world(api)
    url = f"{BEDS}/{w.bed.id}"
    for target in (str(w.mine.id), str(w.other.id), None):
        r = api.client.patch(url, json={"project_id": target}, headers=w.h_editor)
        assert r.status_code == 403, (target, r.text)
        assert _project_of(api, w) == str(w.shared.id)
    # Moving together with other changes is refused as a whole.
    r = api.client.patch(
        url, json={"name": "taken", "project_id": str(w.mine.id)}, headers=w.h_editor
    )
    assert r.status_code == 403
    assert api.client.get(url, headers=w.h_owner).json()["name"] == "bed"
    # The editor's own friends never see it.
    assert api.client.get(url, headers=w.h_friend).status_code == 404
    listing = api.client.get(BEDS, params={"project_id": str(w.mine.id)}, headers=w.h_friend)
    assert listing.json()["count"] == 0

    # What an editor may do still works: change the bed, naming its own project unchanged.
    r = api.client.patch(
        url, json={"name": "renamed", "project_id": str(w.shared.id)}, headers=w.h_editor
    )
    assert r.status_code == 200 and r.json()["project_id"] == str(w.shared.id)
    r = api.client.put(url, json={"text": 'name = "replaced"\n' + bed_text()}, headers=w.h_editor)
    assert r.status_code == 200
    assert r.json()["project_id"] == str(w.shared.id)
    assert r.json()["owner_id"] == str(w.owner.id)

    # Removed from the project, the editor can neither read nor write the bed.
    crud.remove_member(api.session, project=w.shared, user=w.editor)
    assert api.client.get(url, headers=w.h_editor).status_code == 404
    assert api.client.patch(url, json={"name": "x"}, headers=w.h_editor).status_code == 404
    assert api.client.delete(url, headers=w.h_editor).status_code == 404


def test_only_the_owner_or_an_admin_moves_a_bed_and_only_into_a_project_they_may_add_to(
    api: Api,
) -> None:
    w = _world(api)
    url = f"{BEDS}/{w.bed.id}"
    # The owner is no member of the editor's project: it does not exist for them.
    r = api.client.patch(url, json={"project_id": str(w.mine.id)}, headers=w.h_owner)
    assert r.status_code == 404
    r = api.client.patch(url, json={"project_id": str(w.other.id)}, headers=w.h_owner)
    assert r.status_code == 200 and r.json()["project_id"] == str(w.other.id)
    r = api.client.patch(url, json={"project_id": None}, headers=w.h_owner)
    assert r.status_code == 200 and r.json()["project_id"] is None
    r = api.client.patch(url, json={"project_id": str(w.mine.id)}, headers=w.admin_h)
    assert r.status_code == 200 and r.json()["project_id"] == str(w.mine.id)

    # A viewer of a project cannot move their own bed into it; an outsider cannot either.
    friend_bed = api.bed(w.friend)
    r = api.client.patch(
        f"{BEDS}/{friend_bed.id}", json={"project_id": str(w.mine.id)}, headers=w.h_friend
    )
    assert r.status_code == 403
    r = api.client.patch(
        f"{BEDS}/{friend_bed.id}", json={"project_id": str(w.shared.id)}, headers=w.h_friend
    )
    assert r.status_code == 404
    # Nor create a bed in it.
    r = api.client.post(
        BEDS, params={"project_id": str(w.mine.id)}, json={"text": bed_text()}, headers=w.h_friend
    )
    assert r.status_code == 403


def test_owner_fields_cannot_be_written_by_anyone(api: Api) -> None:
    w = _world(api)
    editor_id = str(w.editor.id)
    for headers in (w.h_owner, w.h_editor, w.admin_h):
        r = api.client.patch(f"{BEDS}/{w.bed.id}", json={"owner_id": editor_id}, headers=headers)
        assert r.status_code == 422
        r = api.client.patch(
            f"{PROJECTS}/{w.shared.id}", json={"owner_id": editor_id}, headers=headers
        )
        assert r.status_code in (403, 422)
    assert api.client.get(f"{BEDS}/{w.bed.id}", headers=w.h_owner).json()["owner_id"] == str(
        w.owner.id
    )
    project = api.client.get(f"{PROJECTS}/{w.shared.id}", headers=w.h_owner).json()
    assert project["owner_id"] == str(w.owner.id)

    # An editor manages neither the project nor its members.
    url = f"{PROJECTS}/{w.shared.id}"
    assert api.client.patch(url, json={"name": "mine now"}, headers=w.h_editor).status_code == 403
    assert api.client.delete(url, headers=w.h_editor).status_code == 403
    r = api.client.post(
        f"{url}/invitations", json={"email": w.friend.email, "role": "editor"}, headers=w.h_editor
    )
    assert r.status_code == 403
    r = api.client.patch(
        f"{url}/members/{w.editor.id}", json={"role": "viewer"}, headers=w.h_editor
    )
    assert r.status_code == 403
    r = api.client.delete(f"{url}/members/{w.editor.id}", headers=w.h_editor)
    assert r.status_code == 403
    assert crud.project_role(api.session, user=w.friend, project=w.shared) is None


def test_jobs_and_studies_started_by_an_editor_do_not_open_the_bed_to_them_later(
    api: Api,
) -> None:
    w = _world(api)
    r = api.client.post(f"{BEDS}/{w.bed.id}/generate", headers=w.h_editor)
    assert r.status_code == 202
    job = r.json()
    assert job["bed_id"] == str(w.bed.id) and job["user_id"] == str(w.editor.id)
    crud.remove_member(api.session, project=w.shared, user=w.editor)
    # The job stays theirs (they started it), the bed does not.
    assert api.client.get(f"{BEDS}/{w.bed.id}", headers=w.h_editor).status_code == 404
    r = api.client.post(f"/api/v1/jobs/{job['id']}/rerun", headers=w.h_editor)
    assert r.status_code in (403, 404, 409)
    assert api.client.get(f"{BEDS}/{w.bed.id}", headers=w.h_friend).status_code == 404

"""Projects: CRUD by the owner, membership with roles, 404 for outsiders (invitations:
test_invitations.py)."""

from __future__ import annotations

from tests.utils.api import Api
from tests.utils.projects import join

PROJECTS = "/api/v1/projects"


def test_project_crud_by_its_owner(api: Api) -> None:
    _, h = api.user()
    r = api.client.post(
        PROJECTS, json={"name": "wall effects", "description": "D/d 5-20"}, headers=h
    )
    assert r.status_code == 201
    url = f"{PROJECTS}/{r.json()['id']}"
    assert api.client.get(PROJECTS, headers=h).json()["count"] == 1
    assert api.client.patch(url, json={"name": "renamed"}, headers=h).json()["name"] == "renamed"
    assert api.client.get(url, headers=h).json()["description"] == "D/d 5-20"
    assert api.client.delete(url, headers=h).status_code == 204
    assert api.client.get(url, headers=h).status_code == 404


def test_members_see_the_project_only_the_owner_changes_it(api: Api) -> None:
    owner, h_owner = api.user()
    member, h_member = api.user()
    _, h_out = api.user()
    project = api.client.post(PROJECTS, json={"name": "shared"}, headers=h_owner).json()
    url = f"{PROJECTS}/{project['id']}"
    join(api, project["id"], owner_headers=h_owner, member=member, member_headers=h_member)
    r = api.client.patch(f"{url}/members/{member.id}", json={"role": "editor"}, headers=h_owner)
    assert r.status_code == 200 and r.json()["role"] == "editor"
    r = api.client.patch(f"{url}/members/{member.id}", json={"role": "viewer"}, headers=h_member)
    assert r.status_code == 403
    members = api.client.get(f"{url}/members", headers=h_member).json()
    assert members["count"] == 1 and members["data"][0]["email"] == member.email

    assert api.client.get(url, headers=h_member).status_code == 200
    assert api.client.patch(url, json={"name": "x"}, headers=h_member).status_code == 403
    assert api.client.delete(url, headers=h_member).status_code == 403
    for call in (
        api.client.get(url, headers=h_out),
        api.client.get(f"{url}/members", headers=h_out),
        api.client.patch(url, json={"name": "x"}, headers=h_out),
        api.client.delete(url, headers=h_out),
        api.client.post(f"{url}/invitations", json={"email": owner.email}, headers=h_out),
        api.client.patch(f"{url}/members/{member.id}", json={"role": "viewer"}, headers=h_out),
    ):
        assert call.status_code == 404

    bed = api.bed(owner)
    r = api.client.patch(
        f"/api/v1/beds/{bed.id}", json={"project_id": project["id"]}, headers=h_owner
    )
    assert r.json()["project_id"] == project["id"]
    assert api.client.get(f"/api/v1/beds/{bed.id}", headers=h_member).status_code == 200

    assert api.client.delete(f"{url}/members/{member.id}", headers=h_owner).status_code == 204
    assert api.client.get(f"/api/v1/beds/{bed.id}", headers=h_member).status_code == 404
    assert api.client.delete(f"{url}/members/{member.id}", headers=h_owner).status_code == 404
    r = api.client.patch(f"/api/v1/beds/{bed.id}", json={"project_id": None}, headers=h_owner)
    assert r.json()["project_id"] is None


def test_roles_of_non_members_cannot_be_changed(api: Api) -> None:
    _, h = api.user()
    stranger, _ = api.user()
    project = api.client.post(PROJECTS, json={"name": "p"}, headers=h).json()
    url = f"{PROJECTS}/{project['id']}/members/{stranger.id}"
    assert api.client.patch(url, json={"role": "editor"}, headers=h).status_code == 404
    assert api.client.patch(url, json={"role": "boss"}, headers=h).status_code == 422

"""Invitations: nobody joins a project without accepting, and inviting an address does not
reveal whether it has an account."""

from __future__ import annotations

from typing import Any

from tests.utils.api import Api
from tests.utils.db import PASSWORD

PROJECTS = "/api/v1/projects"
MINE = "/api/v1/users/me/invitations"


def _project(api: Api, headers: dict[str, str]) -> Any:
    return api.client.post(PROJECTS, json={"name": "shared"}, headers=headers).json()


def _member_ids(api: Api, project: Any, headers: dict[str, str]) -> set[str]:
    r = api.client.get(f"{PROJECTS}/{project['id']}/members", headers=headers)
    return {m["user_id"] for m in r.json()["data"]}


def test_an_invitation_answers_alike_whether_or_not_the_address_has_an_account(
    api: Api,
) -> None:
    # POST /members answered 404 "no user with this email" for an unknown address, 201 for a
    # known one: anyone with a project could test which addresses have accounts.
    _, h_owner = api.user()
    known, _ = api.user()
    project = _project(api, h_owner)
    url = f"{PROJECTS}/{project['id']}/invitations"
    answers = [
        api.client.post(url, json={"email": email, "role": "editor"}, headers=h_owner)
        for email in (known.email, "nobody-here@example.com")
    ]
    assert [r.status_code for r in answers] == [201, 201]
    bodies = [r.json() for r in answers]
    assert set(bodies[0]) == set(bodies[1])
    for body in bodies:
        del body["id"], body["created_at"], body["email"]
    assert bodies[0] == bodies[1]
    assert set(answers[0].headers) == set(answers[1].headers)


def test_nobody_joins_without_accepting_not_even_an_admin(api: Api) -> None:
    # POST /members made anyone, the admin included, a member at once.
    owner, h_owner = api.user()
    admin, h_admin = api.user(role="admin")
    bob, h_bob = api.user()
    project = _project(api, h_owner)
    url = f"{PROJECTS}/{project['id']}"
    for user in (admin, bob):
        r = api.client.post(f"{url}/invitations", json={"email": user.email}, headers=h_owner)
        assert r.status_code == 201
    assert _member_ids(api, project, h_owner) == set()
    assert api.client.get(url, headers=h_bob).status_code == 404
    # Pending: listed for the project and for each invitee.
    listed = api.client.get(f"{url}/invitations", headers=h_owner).json()
    assert listed["count"] == 2
    assert {i["email"] for i in listed["data"]} == {admin.email.lower(), bob.email.lower()}
    mine = api.client.get(MINE, headers=h_bob).json()
    assert mine["count"] == 1
    invitation = mine["data"][0]
    assert invitation["project_name"] == "shared" and invitation["invited_by"] == owner.email
    assert api.client.get(MINE, headers=h_admin).json()["count"] == 1

    r = api.client.post(f"{MINE}/{invitation['id']}/accept", headers=h_bob)
    assert r.status_code == 200 and r.json()["id"] == project["id"]
    assert _member_ids(api, project, h_owner) == {str(bob.id)}
    assert api.client.get(url, headers=h_bob).status_code == 200
    assert api.client.get(MINE, headers=h_bob).json()["count"] == 0
    assert api.client.get(f"{url}/invitations", headers=h_owner).json()["count"] == 1
    assert api.client.post(f"{MINE}/{invitation['id']}/accept", headers=h_bob).status_code == 404


def test_an_address_without_an_account_sees_its_invitation_after_signing_up(api: Api) -> None:
    _, h_owner = api.user()
    project = _project(api, h_owner)
    r = api.client.post(
        f"{PROJECTS}/{project['id']}/invitations",
        json={"email": "Newcomer@Example.com", "role": "editor"},
        headers=h_owner,
    )
    assert r.status_code == 201
    signup = api.client.post(
        "/api/v1/users/signup", json={"email": "newcomer@example.com", "password": PASSWORD}
    )
    assert signup.status_code == 201
    token = api.client.post(
        "/api/v1/login/access-token",
        data={"username": "newcomer@example.com", "password": PASSWORD},
    ).json()["access_token"]
    h_new = {"Authorization": f"Bearer {token}"}
    mine = api.client.get(MINE, headers=h_new).json()
    assert mine["count"] == 1 and mine["data"][0]["role"] == "editor"
    r = api.client.post(f"{MINE}/{mine['data'][0]['id']}/accept", headers=h_new)
    assert r.status_code == 200
    assert _member_ids(api, project, h_owner) == {signup.json()["id"]}


def test_declined_and_revoked_invitations_are_gone(api: Api) -> None:
    _, h_owner = api.user()
    bob, h_bob = api.user()
    carol, h_carol = api.user()
    project = _project(api, h_owner)
    url = f"{PROJECTS}/{project['id']}/invitations"
    for user in (bob, carol):
        api.client.post(url, json={"email": user.email}, headers=h_owner)
    bobs = api.client.get(MINE, headers=h_bob).json()["data"][0]["id"]
    carols = api.client.get(MINE, headers=h_carol).json()["data"][0]["id"]
    # Nobody answers another's invitation.
    assert api.client.post(f"{MINE}/{bobs}/accept", headers=h_carol).status_code == 404
    assert api.client.post(f"{MINE}/{bobs}/decline", headers=h_carol).status_code == 404

    assert api.client.post(f"{MINE}/{bobs}/decline", headers=h_bob).status_code == 204
    assert api.client.delete(f"{url}/{carols}", headers=h_owner).status_code == 204
    assert api.client.delete(f"{url}/{carols}", headers=h_owner).status_code == 404
    assert api.client.post(f"{MINE}/{carols}/accept", headers=h_carol).status_code == 404
    for h in (h_bob, h_carol):
        assert api.client.get(MINE, headers=h).json()["count"] == 0
    assert api.client.get(url, headers=h_owner).json()["count"] == 0
    assert _member_ids(api, project, h_owner) == set()
    # A declined address may be invited again.
    assert api.client.post(url, json={"email": bob.email}, headers=h_owner).status_code == 201


def test_only_the_owner_or_an_admin_invites_lists_and_revokes(api: Api) -> None:
    owner, h_owner = api.user()
    bob, h_bob = api.user()
    _, h_out = api.user()
    _, h_admin = api.user(role="admin")
    project = _project(api, h_owner)
    url = f"{PROJECTS}/{project['id']}/invitations"
    invitation = api.client.post(url, json={"email": bob.email}, headers=h_owner).json()
    api.client.post(f"{MINE}/{invitation['id']}/accept", headers=h_bob)
    pending = api.client.post(url, json={"email": "x@example.com"}, headers=h_owner).json()
    for h, status in ((h_bob, 403), (h_out, 404)):
        assert api.client.post(url, json={"email": "y@example.com"}, headers=h).status_code == (
            status
        )
        assert api.client.get(url, headers=h).status_code == status
        assert api.client.delete(f"{url}/{pending['id']}", headers=h).status_code == status
    r = api.client.post(url, json={"email": "z@example.com"}, headers=h_admin)
    assert r.status_code == 201
    assert api.client.get(url, headers=h_admin).json()["count"] == 2
    # The owner's and a member's addresses: 409 (both already visible to the inviter).
    assert api.client.post(url, json={"email": owner.email}, headers=h_owner).status_code == 409
    assert api.client.post(url, json={"email": bob.email}, headers=h_owner).status_code == 409


def test_inviting_again_changes_the_role_of_the_one_invitation(api: Api) -> None:
    _, h_owner = api.user()
    bob, h_bob = api.user()
    project = _project(api, h_owner)
    url = f"{PROJECTS}/{project['id']}/invitations"
    first = api.client.post(url, json={"email": bob.email}, headers=h_owner).json()
    again = api.client.post(
        url, json={"email": bob.email.upper(), "role": "editor"}, headers=h_owner
    ).json()
    assert again["id"] == first["id"] and again["role"] == "editor"
    assert api.client.get(url, headers=h_owner).json()["count"] == 1
    api.client.post(f"{MINE}/{first['id']}/accept", headers=h_bob)
    members = api.client.get(f"{PROJECTS}/{project['id']}/members", headers=h_owner).json()
    assert members["data"][0]["role"] == "editor"


def test_deleting_a_project_drops_its_invitations(api: Api) -> None:
    _, h_owner = api.user()
    bob, h_bob = api.user()
    project = _project(api, h_owner)
    api.client.post(
        f"{PROJECTS}/{project['id']}/invitations", json={"email": bob.email}, headers=h_owner
    )
    assert api.client.delete(f"{PROJECTS}/{project['id']}", headers=h_owner).status_code == 204
    assert api.client.get(MINE, headers=h_bob).json()["count"] == 0

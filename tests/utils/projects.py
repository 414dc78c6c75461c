"""Membership through the API: the owner invites, the invitee accepts."""

from __future__ import annotations

from typing import Any

from bedflow.db import User
from tests.utils.api import Api


def join(
    api: Api,
    project_id: Any,
    *,
    owner_headers: dict[str, str],
    member: User,
    member_headers: dict[str, str],
    role: str = "viewer",
) -> None:
    """Make ``member`` a member of the project as ``role``: invited, then accepted."""
    r = api.client.post(
        f"/api/v1/projects/{project_id}/invitations",
        json={"email": member.email, "role": role},
        headers=owner_headers,
    )
    assert r.status_code == 201, r.text
    r = api.client.post(
        f"/api/v1/users/me/invitations/{r.json()['id']}/accept", headers=member_headers
    )
    assert r.status_code == 200, r.text

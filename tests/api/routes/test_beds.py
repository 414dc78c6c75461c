"""Beds over HTTP: three ways to create one, located `.bed` errors, listing, changes, downloads."""

from __future__ import annotations

import json

from bedflow.dsl import parse
from tests.utils.api import Api
from tests.utils.beds import EXAMPLES, bed_text
from tests.utils.projects import join

BEDS = "/api/v1/beds"


def _text(name: str = "b", bed: str = "", particles: str = "count = 100;") -> str:
    return f'name = "{name}"\n' + bed_text(bed=bed, particles=particles)


def test_create_from_plain_text_json_text_and_spec(api: Api) -> None:
    _, h = api.user()
    source = EXAMPLES[0].read_text()
    as_text = api.client.post(BEDS, content=source, headers={**h, "Content-Type": "text/plain"})
    assert as_text.status_code == 201, as_text.text
    as_json_text = api.client.post(BEDS, json={"text": source}, headers=h)
    spec = parse(source).model_dump(mode="json")
    as_spec = api.client.post(BEDS, json=spec, headers=h)
    assert as_json_text.status_code == as_spec.status_code == 201
    hashes = {r.json()["spec_hash"] for r in (as_text, as_json_text, as_spec)}
    assert len(hashes) == 1
    body = as_spec.json()
    assert body["name"] == spec["name"] and body["column_diameter"] == spec["bed"]["diameter"]


def test_syntax_error_answers_422_with_line_and_column(api: Api) -> None:
    _, h = api.user()
    bad = "bed { diameter = 50 mm; }\nparticles { diameter = = 5 mm; }\n"
    r = api.client.post(BEDS, content=bad, headers={**h, "Content-Type": "text/plain"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "bed_syntax"
    [detail] = error["details"]
    assert (detail["line"], detail["column"]) == (2, 24)
    assert detail["message"] and detail["expected"]


def test_validation_errors_list_every_problem_with_its_position(api: Api) -> None:
    _, h = api.user()
    bad = "bed { diameter = 5 mm; }\nparticles { diameter = -6 mm; count = -3; }\n"
    r = api.client.post(BEDS, json={"text": bad}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "bed_validation"
    details = r.json()["error"]["details"]
    assert len(details) >= 2 and all(d["line"] == 2 and d["column"] > 0 for d in details)


def test_invalid_spec_json_and_bodies(api: Api) -> None:
    _, h = api.user()
    r = api.client.post(BEDS, json={"bed": {"diameter": "wide"}}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"]
    assert api.client.post(BEDS, json={"text": 3}, headers=h).status_code == 422
    r = api.client.post(BEDS, content=b"{", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422
    r = api.client.post(BEDS, content=b"\xff", headers={**h, "Content-Type": "text/plain"})
    assert r.status_code == 422
    r = api.client.post(BEDS, content=b"x", headers={**h, "Content-Type": "image/png"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_list_paginates_sorts_and_filters(api: Api) -> None:
    user, h = api.user()
    for i, (diameter, count) in enumerate([(40, 50), (50, 100), (60, 150), (80, 200)]):
        api.bed(
            user, name=f"bed-{i}", bed=f"diameter = {diameter} mm;", particles=f"count = {count};"
        )
    other, _ = api.user()
    api.bed(other, name="bed-other")

    page = api.client.get(BEDS, params={"limit": 2, "sort": "name"}, headers=h).json()
    assert page["count"] == 4 and [b["name"] for b in page["data"]] == ["bed-0", "bed-1"]
    page = api.client.get(BEDS, params={"limit": 2, "offset": 2, "sort": "name"}, headers=h)
    assert [b["name"] for b in page.json()["data"]] == ["bed-2", "bed-3"]
    params = {"diameter_min": 0.045, "diameter_max": 0.07, "sort": "-particle_count"}
    page = api.client.get(BEDS, params=params, headers=h).json()
    assert [b["name"] for b in page["data"]] == ["bed-2", "bed-1"] and page["count"] == 2
    page = api.client.get(BEDS, params={"count_min": 150, "kind": "sphere", "q": "BED"}, headers=h)
    assert {b["name"] for b in page.json()["data"]} == {"bed-2", "bed-3"}
    assert api.client.get(BEDS, params={"kind": "cylinder"}, headers=h).json()["count"] == 0


def test_listed_beds_carry_every_field_of_the_bed(api: Api) -> None:
    """The listing reads only the summary columns: each item must still equal the bed."""
    user, h = api.user()
    bed = api.bed(user, name="full", bed="diameter = 40 mm;", particles="count = 30;")
    [listed] = api.client.get(BEDS, headers=h).json()["data"]
    assert listed == api.client.get(f"{BEDS}/{bed.id}", headers=h).json()


def test_listing_counts_on_every_page_and_past_the_end(api: Api) -> None:
    """The count rides on the page's rows; an empty page past the end counts on its own."""
    user, h = api.user()
    for i in range(5):
        api.bed(user, name=f"bed-{i}", particles=f"count = {10 + i};")
    api.bed(user, name="other", bed="diameter = 80 mm;")

    def page(offset: int, limit: int = 2) -> tuple[list[str], int]:
        params = {"diameter_max": 0.06, "sort": "particle_count", "offset": offset, "limit": limit}
        body = api.client.get(BEDS, params=params, headers=h).json()
        return [b["name"] for b in body["data"]], body["count"]

    assert page(0) == (["bed-0", "bed-1"], 5)
    assert page(4) == (["bed-4"], 5)
    assert page(5) == ([], 5)
    assert page(1000) == ([], 5)
    assert api.client.get(BEDS, params={"q": "nothing"}, headers=h).json() == {
        "data": [],
        "count": 0,
    }


def test_listing_shows_project_beds_to_members_only(api: Api) -> None:
    owner, h_owner = api.user()
    member, h_member = api.user()
    _, h_outsider = api.user()
    project = api.client.post("/api/v1/projects", json={"name": "p"}, headers=h_owner).json()
    join(api, project["id"], owner_headers=h_owner, member=member, member_headers=h_member)
    api.client.post(
        f"{BEDS}?project_id={project['id']}", json={"text": _text("shared")}, headers=h_owner
    )
    api.bed(owner, name="private")
    api.bed(member, name="mine")

    def names(h: dict[str, str], **params: object) -> tuple[list[str], int]:
        body = api.client.get(BEDS, params={"sort": "name", **params}, headers=h).json()
        return [b["name"] for b in body["data"]], body["count"]

    assert names(h_owner) == (["private", "shared"], 2)
    assert names(h_member) == (["mine", "shared"], 2)
    assert names(h_member, mine=True) == (["mine"], 1)
    assert names(h_member, project_id=project["id"]) == (["shared"], 1)
    assert names(h_outsider) == ([], 0)
    assert names(h_outsider, project_id=project["id"]) == ([], 0)


def test_bad_listing_parameters_answer_422(api: Api) -> None:
    _, h = api.user()
    for params in (
        {"sort": "owner_id"},
        {"limit": 0},
        {"limit": 100000},
        {"diameter_min": 0.1, "diameter_max": 0.01},
        {"diameter_min": "nan"},
    ):
        r = api.client.get(BEDS, params=params, headers=h)
        assert r.status_code == 422, params
        assert r.json()["error"]["code"] == "validation_error"


def test_read_put_patch_and_delete(api: Api) -> None:
    user, h = api.user()
    bed = api.bed(user, name="first")
    url = f"{BEDS}/{bed.id}"
    assert api.client.get(url, headers=h).json()["name"] == "first"

    r = api.client.put(
        url,
        content=_text("second", "diameter = 60 mm;"),
        headers={**h, "Content-Type": "text/plain"},
    )
    assert r.status_code == 200 and r.json()["name"] == "second"
    assert r.json()["column_diameter"] == 0.06

    r = api.client.patch(url, json={"name": "third", "description": "renamed"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "third"
    r = api.client.patch(url, json={"text": _text("fourth", particles="count = 7;")}, headers=h)
    assert r.json()["name"] == "fourth" and r.json()["particle_count"] == 7
    r = api.client.patch(url, json={"name": "bad\nname"}, headers=h)
    assert r.status_code == 422

    assert api.client.delete(url, headers=h).status_code == 204
    assert api.client.get(url, headers=h).status_code == 404


def test_downloads_as_bed_text_and_json(api: Api) -> None:
    user, h = api.user()
    bed = api.bed(user, name="my bed")
    r = api.client.get(f"{BEDS}/{bed.id}/text", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert 'filename="my_bed.bed"' in r.headers["content-disposition"]
    assert parse(r.text) == parse(bed.bed_text)
    r = api.client.get(f"{BEDS}/{bed.id}/spec", headers=h)
    assert r.headers["content-type"] == "application/json"
    assert json.loads(r.text) == bed.spec


def test_another_users_bed_is_not_found_for_any_verb(api: Api) -> None:
    alice, _ = api.user()
    _, bob = api.user()
    bed = api.bed(alice, name="private")
    url = f"{BEDS}/{bed.id}"
    calls = [
        api.client.get(url, headers=bob),
        api.client.get(f"{url}/text", headers=bob),
        api.client.get(f"{url}/spec", headers=bob),
        api.client.get(f"{url}/files", headers=bob),
        api.client.get(f"{url}/simulations", headers=bob),
        api.client.put(url, json={"text": _text("x")}, headers=bob),
        api.client.patch(url, json={"name": "stolen"}, headers=bob),
        api.client.delete(url, headers=bob),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    assert all(c.json()["error"]["code"] == "not_found" for c in calls)
    assert api.client.get(BEDS, headers=bob).json()["count"] == 0
    api.session.refresh(bed)
    assert bed.name == "private"


def test_project_members_read_and_only_editors_write(api: Api) -> None:
    _, h_owner = api.user()
    viewer, h_viewer = api.user()
    editor, h_editor = api.user()
    project = api.client.post("/api/v1/projects", json={"name": "p"}, headers=h_owner).json()
    for member, h, role in ((viewer, h_viewer, "viewer"), (editor, h_editor, "editor")):
        join(api, project["id"], owner_headers=h_owner, member=member, member_headers=h, role=role)
    r = api.client.post(
        f"{BEDS}?project_id={project['id']}", json={"text": _text()}, headers=h_owner
    )
    url = f"{BEDS}/{r.json()['id']}"
    assert api.client.get(url, headers=h_viewer).status_code == 200
    assert api.client.patch(url, json={"name": "v"}, headers=h_viewer).status_code == 403
    assert api.client.patch(url, json={"name": "e"}, headers=h_editor).status_code == 200
    # A viewer may not put beds into the project either.
    r = api.client.post(
        f"{BEDS}?project_id={project['id']}", json={"text": _text()}, headers=h_viewer
    )
    assert r.status_code == 403
    _, h_out = api.user()
    r = api.client.post(f"{BEDS}?project_id={project['id']}", json={"text": _text()}, headers=h_out)
    assert r.status_code == 404


def test_admin_sees_every_bed(api: Api) -> None:
    alice, _ = api.user()
    _, admin = api.user(role="admin")
    bed = api.bed(alice)
    assert api.client.get(f"{BEDS}/{bed.id}", headers=admin).status_code == 200
    assert api.client.get(BEDS, headers=admin).json()["count"] == 1


def test_absurd_magnitudes_answer_422_not_500(api: Api) -> None:
    """Regression: a particle diameter of 1e300 m overflowed in the spec's volume rule."""
    _, h = api.user()
    spec = parse(_text()).model_dump(mode="json")
    spec["bed"]["diameter"] = spec["bed"]["height"] = 1e300
    spec["particles"]["diameter"] = 1e200
    assert api.client.post(BEDS, json=spec, headers=h).status_code == 422
    text = _text(
        bed="diameter = 1e300 m; height = 1e300 m;", particles="diameter = 1e200 m; count = 5;"
    )
    assert api.client.post(BEDS, json={"text": text}, headers=h).status_code == 422

"""ButterStack /v1 changelists: what VCS hooks submit, idempotent re-posts, lists and ``cl_<number>`` ids."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.butterstack import Estate, MakeClient, assert_error, at_once, fresh_number

WARRIOR = "//depot/Game/Content/Characters/Warrior/T_Warrior_D.uasset"


def _submit(api: Api, project_id: str, body: dict[str, Any]) -> Any:
    return api.post(f"/v1/projects/{project_id}/changelists", json=body)


def test_submit_changelist_returns_201_with_its_files(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    body = {
        "number": number,
        "author": "john.doe",
        "description": "Updated character model textures",
        "submitted_at": "2026-12-15T10:00:00Z",
        "files": [{"path": WARRIOR, "action": "edit"}],
    }
    response = _submit(api, project["id"], body)
    assert response.status_code == 201, response.text
    assert response.json() == {**body, "id": f"cl_{number}", "project_id": project["id"]}


def test_get_changelist_has_the_seed_shape(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    api.new_changelist(project["id"], number, [(WARRIOR, "edit")], submitted_at="2026-12-15T12:00:00+02:00")
    body = api.ok("GET", f"/v1/changelists/cl_{number}")
    assert set(body) >= {"id", "number", "author", "description", "submitted_at", "files"}
    assert (body["id"], body["number"], body["author"]) == (f"cl_{number}", number, "john.doe")
    assert body["submitted_at"] == "2026-12-15T10:00:00Z"
    assert body["files"] == [{"path": WARRIOR, "action": "edit"}]


def test_submitting_the_same_number_again_returns_200_and_the_stored_changelist(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    first = api.new_changelist(project["id"], number, [(WARRIOR, "add")], description="first")
    again = _submit(
        api, project["id"], {"number": number, "author": "someone.else", "description": "retry", "files": []}
    )
    assert again.status_code == 200
    assert again.json() == first
    listed = api.ok("GET", f"/v1/projects/{project['id']}/changelists")["changelists"]
    assert listed == [first]


def test_simultaneous_deliveries_of_one_changelist_store_it_once(api: Api) -> None:
    project = api.new_project()
    body = {"number": fresh_number(), "author": "a", "files": [{"path": WARRIOR, "action": "add"}]}
    responses = at_once([lambda: _submit(api, project["id"], body)] * 8)
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.text for r in responses}) == 1, {r.text for r in responses}
    assert len(api.ok("GET", f"/v1/projects/{project['id']}/changelists")["changelists"]) == 1


def test_simultaneous_changelists_touching_one_new_file_all_succeed(api: Api) -> None:
    project = api.new_project()
    numbers = [fresh_number() for _ in range(8)]
    responses = at_once(
        [
            lambda number=number: _submit(
                api, project["id"], {"number": number, "author": "a", "files": [{"path": WARRIOR, "action": "edit"}]}
            )
            for number in numbers
        ]
    )
    assert [r.status_code for r in responses] == [201] * 8
    [asset] = api.ok("GET", f"/v1/projects/{project['id']}/assets")["assets"]
    touched = api.ok("GET", f"/v1/assets/{asset['id']}")["changelists"]
    assert sorted(c["number"] for c in touched) == numbers


def test_two_projects_submitting_one_number_at_once_both_succeed(api: Api) -> None:
    for _ in range(3):
        number = fresh_number()
        first, second = api.new_project(), api.new_project()
        responses = at_once(
            [lambda p=p, n=number: _submit(api, p["id"], {"number": n, "author": "a"}) for p in (first, second)]
        )
        assert [r.status_code for r in responses] == [201, 201]
        assert {r.json()["id"] for r in responses} >= {f"cl_{number}"}
        assert len({r.json()["id"] for r in responses}) == 2


def test_same_number_in_two_projects_makes_two_changelists(api: Api) -> None:
    number = fresh_number()
    first_project, second_project = api.new_project(), api.new_project()
    first = api.new_changelist(first_project["id"], number, description="one")
    second = api.new_changelist(second_project["id"], number, description="two")
    assert first["id"] == f"cl_{number}"
    assert second["id"] != first["id"]
    assert api.ok("GET", f"/v1/changelists/{first['id']}")["description"] == "one"
    assert api.ok("GET", f"/v1/changelists/{second['id']}")["description"] == "two"


def test_submit_changelist_from_a_form_body(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    response = api.post(
        f"/v1/projects/{project['id']}/changelists",
        data={
            "number": str(number),
            "author": "jane.doe",
            "description": "fix & polish",
            "files[0][path]": "//depot/Game/Maps/L_Arena.umap",
            "files[0][action]": "add",
            "files[1][path]": "//depot/Game/Audio/Hit 01.wav",
            "files[1][action]": "edit",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["number"], body["description"]) == (number, "fix & polish")
    assert body["files"] == [
        {"path": "//depot/Game/Maps/L_Arena.umap", "action": "add"},
        {"path": "//depot/Game/Audio/Hit 01.wav", "action": "edit"},
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"author": "a"},
        {"number": 5},
        {"number": 0, "author": "a"},
        {"number": -1, "author": "a"},
        {"number": "five", "author": "a"},
        {"number": 2**63, "author": "a"},
        {"number": 5, "author": "  "},
        {"number": 5, "author": "a", "files": [{"path": "//depot/x.txt", "action": "smash"}]},
        {"number": 5, "author": "a", "files": [{"path": "", "action": "add"}]},
        {"number": 5, "author": "a", "files": [{"path": "//depot/x.txt"}]},
        {"number": 5, "author": "a", "files": "//depot/x.txt"},
        {"number": 5, "author": "a", "submitted_at": "last tuesday"},
        {"number": 5, "author": "a" * 201},
        {"number": 5, "author": "john\x00doe"},
        {"number": 5, "author": "a", "description": "fix\x00"},
        {"number": 5, "author": "a", "files": [{"path": "//depot/x\x00.txt", "action": "add"}]},
        {"number": 5, "author": "a", "submitted_at": "0001-01-01T00:00:00+01:00"},
        {"number": 5, "author": "a", "submitted_at": "9999-12-31T23:59:59-01:00"},
    ],
    ids=[
        "no-number",
        "no-author",
        "zero",
        "negative",
        "word-number",
        "huge-number",
        "blank-author",
        "unknown-action",
        "empty-path",
        "no-action",
        "files-string",
        "bad-time",
        "long-author",
        "nul-author",
        "nul-description",
        "nul-path",
        "before-year-1",
        "after-year-9999",
    ],
)
def test_submit_changelist_with_a_bad_body_is_400(api: Api, body: dict[str, Any]) -> None:
    project = api.new_project()
    assert_error(_submit(api, project["id"], body), 400, "bad_request")
    assert api.ok("GET", f"/v1/projects/{project['id']}/changelists")["changelists"] == []


def test_list_changelists_newest_number_first_with_paging(api: Api) -> None:
    project = api.new_project()
    base = fresh_number() * 10
    for offset in (2, 5, 1, 4, 3):
        api.new_changelist(project["id"], base + offset)
    url = f"/v1/projects/{project['id']}/changelists"
    body = api.ok("GET", url)
    assert set(body) == {"changelists", "limit", "offset", "has_more"}
    assert [c["number"] for c in body["changelists"]] == [base + n for n in (5, 4, 3, 2, 1)]
    assert (body["limit"], body["has_more"]) == (20, False)
    window = api.ok("GET", url, params={"limit": 2, "offset": 1})
    assert ([c["number"] for c in window["changelists"]], window["has_more"]) == ([base + 4, base + 3], True)
    last = api.ok("GET", url, params={"limit": 2, "offset": 4})
    assert ([c["number"] for c in last["changelists"]], last["has_more"]) == ([base + 1], False)


def test_listed_changelists_carry_their_files(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    api.new_changelist(project["id"], number, [(WARRIOR, "edit"), ("//depot/Game/SM_Rock.uasset", "delete")])
    listed = api.ok("GET", f"/v1/projects/{project['id']}/changelists")["changelists"]
    assert listed[0]["files"] == [
        {"path": WARRIOR, "action": "edit"},
        {"path": "//depot/Game/SM_Rock.uasset", "action": "delete"},
    ]


@pytest.mark.parametrize(
    "changelist_id",
    ["cl_999999999999", "cl_", "cl_abc", "12345", "cl_-1", "cl_01", "cl_1%00", "cl_1_zzzzzzzz", "build_abcdefgh"],
)
def test_unknown_or_malformed_changelist_id_is_404(api: Api, changelist_id: str) -> None:
    assert_error(api.get(f"/v1/changelists/{changelist_id}"), 404, "not_found")


def test_changelists_of_an_unknown_project_are_404(api: Api) -> None:
    assert_error(api.get("/v1/projects/proj_zzzzzzzz/changelists"), 404, "not_found")
    assert_error(_submit(api, "proj_zzzzzzzz", {"number": 1, "author": "a"}), 404, "not_found")


# Scopes


def test_read_token_can_get_and_list_changelists(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert reader.ok("GET", f"/v1/changelists/{estate.changelist['id']}") == estate.changelist
    assert reader.ok("GET", f"/v1/projects/{estate.project['id']}/changelists")["changelists"] == [estate.changelist]


def test_read_token_cannot_submit_a_changelist(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    response = _submit(reader, estate.project["id"], {"number": fresh_number(), "author": "a"})
    assert_error(response, 403, "forbidden")


def test_write_token_can_submit_a_changelist(estate: Estate, client: MakeClient) -> None:
    writer = client("write")
    assert _submit(writer, estate.project["id"], {"number": fresh_number(), "author": "a"}).status_code == 201


def test_project_bound_token_cannot_reach_other_projects_changelists(
    estate: Estate, api: Api, client: MakeClient
) -> None:
    bound = client("write", project=api.new_project())
    assert_error(bound.get(f"/v1/changelists/{estate.changelist['id']}"), 404, "not_found")
    assert_error(bound.get(f"/v1/projects/{estate.project['id']}/changelists"), 404, "not_found")
    response = _submit(bound, estate.project["id"], {"number": fresh_number(), "author": "a"})
    assert_error(response, 404, "not_found")


REVISION = "9fceb02d0ae598e95dc970b74767f19372d61af8"


def test_a_git_commit_posted_without_a_number_is_numbered_after_the_newest(api: Api) -> None:
    project = api.new_project()
    api.new_changelist(project["id"], 41)
    body = {"revision": REVISION, "author": "Mira Okafor", "files": [{"path": "Source/Golem.cpp", "action": "add"}]}
    response = _submit(api, project["id"], body)
    assert response.status_code == 201, response.text
    assert (response.json()["number"], response.json()["revision"]) == (42, REVISION)
    assert api.ok("GET", f"/v1/changelists/{response.json()['id']}") == response.json()


def test_posting_a_commit_again_returns_200_and_the_stored_changelist(api: Api) -> None:
    project = api.new_project()
    first = _submit(api, project["id"], {"revision": REVISION, "author": "a", "description": "one"})
    again = _submit(api, project["id"], {"revision": REVISION.upper(), "author": "b", "description": "two"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(api.ok("GET", f"/v1/projects/{project['id']}/changelists")["changelists"]) == 1


def test_changelists_without_a_revision_carry_none(api: Api) -> None:
    project = api.new_project()
    assert "revision" not in api.new_changelist(project["id"], fresh_number())


def test_simultaneous_commits_all_get_numbers_of_their_own(api: Api) -> None:
    project = api.new_project()
    revisions = [f"{n:040x}" for n in range(1, 9)]
    responses = at_once([lambda r=r: _submit(api, project["id"], {"revision": r, "author": "a"}) for r in revisions])
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert sorted(r.json()["number"] for r in responses) == list(range(1, 9))


def test_a_number_holding_another_commit_is_409(api: Api) -> None:
    project = api.new_project()
    number = _submit(api, project["id"], {"revision": REVISION, "author": "a"}).json()["number"]
    clash = _submit(api, project["id"], {"number": number, "revision": "1" * 40, "author": "a"})
    assert_error(clash, 409, "conflict")


@pytest.mark.parametrize(
    "revision", ["abc123", "g" * 40, "9fceb02d" * 6, "", "9fceb02d0ae598e95dc970b74767f19372d61af8\x00"]
)
def test_a_revision_that_is_not_a_commit_id_is_400(api: Api, revision: str) -> None:
    project = api.new_project()
    assert_error(_submit(api, project["id"], {"revision": revision, "author": "a"}), 400, "bad_request")

"""ButterStack /v1 assets: made from changelist files, typed, filtered, reviewed."""

from __future__ import annotations

from typing import Any

import pytest

from ghee import ids
from tests.support.api import Api
from tests.support.butterstack import Estate, MakeClient, assert_error, at_once, fresh_number

CONTENT = "//depot/Game/Content"


def _assets(api: Api, project: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    body = api.ok("GET", f"/v1/projects/{project['id']}/assets", params=params)
    assert set(body) == {"assets", "limit", "offset", "has_more"}
    assets: list[dict[str, Any]] = body["assets"]
    return assets


def _paths(api: Api, project: dict[str, Any], **params: Any) -> list[str]:
    return [a["path"] for a in _assets(api, project, **params)]


def _asset(api: Api, project: dict[str, Any], path: str) -> dict[str, Any]:
    return next(a for a in _assets(api, project, include_deleted="true", limit=100) if a["path"] == path)


def _review(api: Api, asset: dict[str, Any], status: str) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("PATCH", f"/v1/assets/{asset['id']}", json={"approval_status": status})
    return result


def test_every_path_a_changelist_touches_becomes_an_asset(api: Api) -> None:
    project = api.new_project()
    paths = [f"{CONTENT}/Props/SM_Crate.uasset", f"{CONTENT}/Props/T_Crate_D.uasset", "//depot/Game/Source/Crate.cpp"]
    api.new_changelist(project["id"], fresh_number(), [(p, "add") for p in paths])
    assets = _assets(api, project)
    assert sorted(a["path"] for a in assets) == sorted(paths)
    for asset in assets:
        assert asset["id"].startswith("asset_")
        assert asset["project_id"] == project["id"]
        assert asset["approval_status"] == "pending"
        assert asset["deleted"] is False


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("T_Warrior_D.uasset", "texture"),
        ("SM_Rock.uasset", "static_mesh"),
        ("SK_Warrior.uasset", "skeletal_mesh"),
        ("M_Stone.uasset", "material"),
        ("MI_Stone_Wet.uasset", "material_instance"),
        ("BP_Door.uasset", "blueprint"),
        ("Warrior.fbx", "model"),
        ("Hit.wav", "sound"),
        ("Arena.umap", "map"),
        ("README", "other"),
    ],
)
def test_asset_type_is_inferred_from_the_file_name(api: Api, name: str, kind: str) -> None:
    project = api.new_project()
    api.new_changelist(project["id"], fresh_number(), [(f"{CONTENT}/{name}", "add")])
    assert [(a["path"], a["type"]) for a in _assets(api, project)] == [(f"{CONTENT}/{name}", kind)]


def test_deleted_asset_is_hidden_unless_include_deleted(api: Api) -> None:
    project = api.new_project()
    kept, gone = f"{CONTENT}/T_Kept.uasset", f"{CONTENT}/T_Gone.uasset"
    api.new_changelist(project["id"], fresh_number(), [(kept, "add"), (gone, "add")])
    api.new_changelist(project["id"], fresh_number(), [(gone, "delete")])
    assert _paths(api, project) == [kept]
    everything = _assets(api, project, include_deleted="true")
    assert [(a["path"], a["deleted"]) for a in everything] == [(gone, True), (kept, False)]
    assert _paths(api, project, include_deleted="false") == [kept]
    assert api.ok("GET", f"/v1/assets/{everything[0]['id']}")["deleted"] is True


def test_editing_a_deleted_asset_brings_it_back(api: Api) -> None:
    project = api.new_project()
    path = f"{CONTENT}/T_Phoenix.uasset"
    api.new_changelist(project["id"], fresh_number(), [(path, "add")])
    api.new_changelist(project["id"], fresh_number(), [(path, "move/delete")])
    assert _paths(api, project) == []
    api.new_changelist(project["id"], fresh_number(), [(path, "add")])
    assert _paths(api, project) == [path]


def test_include_deleted_must_be_a_boolean(api: Api) -> None:
    project = api.new_project()
    response = api.get(f"/v1/projects/{project['id']}/assets", params={"include_deleted": "perhaps"})
    assert_error(response, 400, "bad_request")


def test_path_filter_is_a_case_sensitive_prefix(api: Api) -> None:
    project = api.new_project()
    paths = [f"{CONTENT}/Characters/T_A.uasset", f"{CONTENT}/Characters/T_B.uasset", f"{CONTENT}/characters/T_C.uasset"]
    paths += [f"{CONTENT}/CharactersOld/T_D.uasset", "//depot/Other/Content/Characters/T_E.uasset"]
    api.new_changelist(project["id"], fresh_number(), [(p, "add") for p in paths])
    assert _paths(api, project, path=f"{CONTENT}/Characters/") == paths[:2]
    assert _paths(api, project, path=f"{CONTENT}/Characters") == [*paths[:2], paths[3]]
    assert _paths(api, project, path=f"{CONTENT}/characters/") == [paths[2]]
    assert _paths(api, project, path="//DEPOT/") == []
    assert _paths(api, project, path="Content") == []


def test_path_filter_treats_like_wildcards_literally(api: Api) -> None:
    project = api.new_project()
    paths = ["//depot/100%/T_A.uasset", "//depot/100x/T_B.uasset", "//depot/a_b/T_C.uasset", "//depot/aXb/T_D.uasset"]
    paths += ["//depot/back\\slash/T_E.uasset", "//depot/backXslash/T_F.uasset"]
    api.new_changelist(project["id"], fresh_number(), [(p, "add") for p in paths])
    assert _paths(api, project, path="//depot/100%") == [paths[0]]
    assert _paths(api, project, path="//depot/a_b") == [paths[2]]
    assert _paths(api, project, path="//depot/%") == []
    assert _paths(api, project, path="//depot/_") == []
    assert _paths(api, project, path="//depot/back\\") == [paths[4]]


def test_path_filter_takes_percent_encoded_and_unicode_paths(api: Api) -> None:
    project = api.new_project()
    paths = ["//depot/Sons & Lumières/Hit 01.wav", "//depot/Sons/Hit.wav"]
    api.new_changelist(project["id"], fresh_number(), [(p, "add") for p in paths])
    response = api.get(f"/v1/projects/{project['id']}/assets?path=%2F%2Fdepot%2FSons%20%26%20Lumi%C3%A8res%2F")
    assert [a["path"] for a in response.json()["assets"]] == [paths[0]]


def test_type_filter(api: Api) -> None:
    project = api.new_project()
    files = [(f"{CONTENT}/T_A.uasset", "add"), (f"{CONTENT}/SM_B.uasset", "add"), (f"{CONTENT}/T_C.uasset", "add")]
    api.new_changelist(project["id"], fresh_number(), files)
    assert _paths(api, project, type="texture") == [files[0][0], files[2][0]]
    assert _paths(api, project, type="static_mesh") == [files[1][0]]
    assert _paths(api, project, type="sound") == []


@pytest.mark.parametrize("asset_type", ["bogus", "Texture", "textures"])
def test_unknown_type_filter_is_400(api: Api, asset_type: str) -> None:
    project = api.new_project()
    response = api.get(f"/v1/projects/{project['id']}/assets", params={"type": asset_type})
    assert_error(response, 400, "bad_request")


def test_status_filter(api: Api) -> None:
    project = api.new_project()
    files = [(f"{CONTENT}/T_{n}.uasset", "add") for n in "ABCD"]
    api.new_changelist(project["id"], fresh_number(), files)
    assets = _assets(api, project)
    for asset, status in zip(assets, ["approved", "rejected", "needs_changes"], strict=False):
        _review(api, asset, status)
    for status, expected in [("approved", 0), ("rejected", 1), ("needs_changes", 2), ("pending", 3)]:
        assert _paths(api, project, status=status) == [files[expected][0]]


@pytest.mark.parametrize("status", ["bogus", "APPROVED", "deleted", ""])
def test_unknown_status_filter_is_400(api: Api, status: str) -> None:
    project = api.new_project()
    response = api.get(f"/v1/projects/{project['id']}/assets", params={"status": status})
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("query", ["path=%2F%2Fdepot%00", "type=texture%00"])
def test_a_nul_in_a_filter_is_400(api: Api, query: str) -> None:
    project = api.new_project()
    assert_error(api.get(f"/v1/projects/{project['id']}/assets?{query}"), 400, "bad_request")


def test_filters_combine(api: Api) -> None:
    project = api.new_project()
    files = [
        (f"{CONTENT}/A/T_1.uasset", "add"),
        (f"{CONTENT}/A/SM_2.uasset", "add"),
        (f"{CONTENT}/B/T_3.uasset", "add"),
    ]
    api.new_changelist(project["id"], fresh_number(), files)
    _review(api, _asset(api, project, files[0][0]), "approved")
    assert _paths(api, project, path=f"{CONTENT}/A/", type="texture", status="approved") == [files[0][0]]
    assert _paths(api, project, path=f"{CONTENT}/A/", type="texture", status="pending") == []


def test_asset_list_pages(api: Api) -> None:
    project = api.new_project()
    files = [(f"{CONTENT}/T_{n:02}.uasset", "add") for n in range(25)]
    api.new_changelist(project["id"], fresh_number(), files)
    url = f"/v1/projects/{project['id']}/assets"
    first = api.ok("GET", url)
    assert (len(first["assets"]), first["limit"], first["offset"], first["has_more"]) == (20, 20, 0, True)
    rest = api.ok("GET", url, params={"offset": 20})
    assert ([a["path"] for a in rest["assets"]], rest["has_more"]) == ([p for p, _ in files[20:]], False)
    assert [a["path"] for a in api.ok("GET", url, params={"limit": 3, "offset": 10})["assets"]] == [
        p for p, _ in files[10:13]
    ]


def test_get_asset_lists_the_changelists_that_touched_it(api: Api) -> None:
    project = api.new_project()
    path = f"{CONTENT}/T_Warrior_D.uasset"
    first, second = fresh_number(), fresh_number()
    api.new_changelist(project["id"], first, [(path, "add")], author="jane")
    api.new_changelist(project["id"], fresh_number(), [(f"{CONTENT}/T_Other.uasset", "add")])
    api.new_changelist(project["id"], second, [(path, "edit")], author="john", description="Sharper")
    asset = _asset(api, project, path)
    body = api.ok("GET", f"/v1/assets/{asset['id']}")
    assert {k: body[k] for k in asset} == asset
    assert [(c["id"], c["number"], c["author"], c["action"]) for c in body["changelists"]] == [
        (f"cl_{second}", second, "john", "edit"),
        (f"cl_{first}", first, "jane", "add"),
    ]
    assert body["changelists"][0]["description"] == "Sharper"


@pytest.mark.parametrize("status", ["approved", "rejected", "needs_changes", "pending"])
def test_review_sets_the_approval_status(api: Api, estate: Estate, status: str) -> None:
    body = _review(api, estate.asset, status)
    assert body["approval_status"] == status
    assert api.ok("GET", f"/v1/assets/{estate.asset['id']}")["approval_status"] == status


@pytest.mark.parametrize("body", [{"approval_status": "bogus"}, {"approval_status": None}, {"approval_status": 1}, {}])
def test_review_with_anything_else_is_400(api: Api, estate: Estate, body: dict[str, Any]) -> None:
    assert_error(api.patch(f"/v1/assets/{estate.asset['id']}", json=body), 400, "bad_request")
    assert api.ok("GET", f"/v1/assets/{estate.asset['id']}")["approval_status"] == "pending"


def test_review_from_a_form_body(api: Api, estate: Estate) -> None:
    response = api.patch(f"/v1/assets/{estate.asset['id']}", data={"approval_status": "approved"})
    assert response.status_code == 200, response.text
    assert response.json()["approval_status"] == "approved"


def test_new_edit_of_an_approved_asset_resets_it_to_pending(api: Api) -> None:
    project = api.new_project()
    path, other = f"{CONTENT}/T_Reviewed.uasset", f"{CONTENT}/T_Untouched.uasset"
    api.new_changelist(project["id"], fresh_number(), [(path, "add"), (other, "add")])
    _review(api, _asset(api, project, path), "approved")
    _review(api, _asset(api, project, other), "approved")
    api.new_changelist(project["id"], fresh_number(), [(path, "edit")])
    assert _asset(api, project, path)["approval_status"] == "pending"
    assert _asset(api, project, other)["approval_status"] == "approved"


def test_resubmitted_changelist_does_not_reset_a_review(api: Api) -> None:
    project = api.new_project()
    path, number = f"{CONTENT}/T_Once.uasset", fresh_number()
    api.new_changelist(project["id"], number, [(path, "edit")])
    _review(api, _asset(api, project, path), "approved")
    api.new_changelist(project["id"], number, [(path, "edit")])
    assert _asset(api, project, path)["approval_status"] == "approved"


@pytest.mark.parametrize("asset_id", ["asset_zzzzzzzz", "asset_00000000", "asset_", "build_abcdefgh", "7"])
def test_unknown_or_malformed_asset_id_is_404(api: Api, asset_id: str) -> None:
    assert_error(api.get(f"/v1/assets/{asset_id}"), 404, "not_found")
    assert_error(api.patch(f"/v1/assets/{asset_id}", json={"approval_status": "approved"}), 404, "not_found")


def test_assets_of_an_unknown_project_are_404(api: Api) -> None:
    assert_error(api.get("/v1/projects/proj_zzzzzzzz/assets"), 404, "not_found")


# Scopes


def test_read_token_can_list_and_get_assets(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert reader.ok("GET", f"/v1/assets/{estate.asset['id']}")["path"] == estate.asset["path"]
    assert reader.ok("GET", f"/v1/projects/{estate.project['id']}/assets")["assets"] == [estate.asset]


def test_read_token_cannot_approve_asset(api: Api, estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    response = reader.patch(f"/v1/assets/{estate.asset['id']}", json={"approval_status": "approved"})
    assert_error(response, 403, "forbidden")
    assert api.ok("GET", f"/v1/assets/{estate.asset['id']}")["approval_status"] == "pending"


def test_write_token_can_approve_asset(estate: Estate, client: MakeClient) -> None:
    writer = client("write")
    assert _review(writer, estate.asset, "approved")["approval_status"] == "approved"


def test_project_bound_token_cannot_reach_other_projects_assets(estate: Estate, api: Api, client: MakeClient) -> None:
    bound = client("write", project=api.new_project())
    assert_error(bound.get(f"/v1/assets/{estate.asset['id']}"), 404, "not_found")
    assert_error(bound.get(f"/v1/projects/{estate.project['id']}/assets"), 404, "not_found")
    response = bound.patch(f"/v1/assets/{estate.asset['id']}", json={"approval_status": "approved"})
    assert_error(response, 404, "not_found")


def _approval_history(api: Api, asset_id: str) -> list[dict[str, Any]]:
    """Every ``asset.approval_changed`` event of an asset, oldest first."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"resource": asset_id, "type": "asset.approval_changed", "limit": 100}
    while True:
        page = api.ok("GET", "/v1/events", params=params)
        found += page["events"]
        if not page["has_more"]:
            # The order the changes happened in: each wrote its event holding the row.
            return [event["data"] for event in sorted(found, key=lambda e: ids.decode("evt", e["id"], "event"))]
        params["cursor"] = page["next_cursor"]


def test_parallel_reviews_leave_each_asset_with_a_history_that_adds_up(api: Api) -> None:
    project = api.new_project()
    paths = [f"{CONTENT}/Race/SM_Car_{n}.uasset" for n in range(4)]
    api.new_changelist(project["id"], fresh_number(), [(path, "add") for path in paths])
    assets = _assets(api, project)
    decisions = ["approved", "rejected", "needs_changes", "pending"]
    calls = [
        lambda asset=asset, n=n: api.patch(
            f"/v1/assets/{asset['id']}", json={"approval_status": decisions[n % len(decisions)]}
        )
        for n in range(16)
        for asset in assets
    ]
    assert {response.status_code for response in at_once(calls)} == {200}
    for asset in assets:
        history = _approval_history(api, asset["id"])
        assert history, asset["path"]
        # Each change replaced the status the one before it left, starting from pending.
        replaced = [change["previous_status"] for change in history]
        assert replaced == ["pending"] + [change["approval_status"] for change in history[:-1]], asset["path"]
        assert all(change["previous_status"] != change["approval_status"] for change in history)
        assert _asset(api, project, asset["path"])["approval_status"] == history[-1]["approval_status"]

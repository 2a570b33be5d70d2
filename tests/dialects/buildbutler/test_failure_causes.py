"""BuildButler /api/v1/failure-causes: the knowledge base, readable by all, edited by admins, applied at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ghee import ids
from ghee.clock import to_storage
from ghee.core.builds.failures import classify_builds
from ghee.core.builds.model import build_public_id
from ghee.db.database import Write
from ghee.db.tables import failure_causes
from tests.support.api import Api
from tests.support.buildbutler import MakeClient, assert_error
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.servers import Server

DEFAULT_CATEGORIES = {
    "test_failure",
    "compilation_error",
    "infrastructure",
    "timeout",
    "out_of_memory",
    "dependency_fetch",
    "aborted_by_user",
    "cook_error",
    "shader_compile_error",
    "disk_full",
}
LICENSE_LOG = "LogLicensing: Error: license server lic.example.com:27000 refused the checkout\nFinished: FAILURE\n"


def _all_causes(api: Api) -> list[dict[str, Any]]:
    body = api.ok("GET", "/api/v1/failure-causes", params={"per_page": 100})
    assert body["meta"]["total"] == len(body["data"])
    return body["data"]  # type: ignore[no-any-return]


def _failed_build(server: Server, log: str) -> str:
    async def seed(work: Write) -> int:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        build = await new_build(work, job, 1, "FAILURE", log=log)
        await classify_builds(work, [build])
        return build

    return build_public_id(in_db(server, seed))


def test_the_defaults_cover_what_fails_on_a_studio_jenkins(client: MakeClient) -> None:
    causes = _all_causes(client("read"))
    assert {c["category"] for c in causes} >= DEFAULT_CATEGORIES
    cause = causes[0]
    assert set(cause) == {
        "id",
        "name",
        "category",
        "description",
        "indications",
        "stagePattern",
        "priority",
        "createdAt",
        "updatedAt",
        "unusablePatterns",
    }
    assert all(c["unusablePatterns"] == {} for c in causes)
    assert cause["id"].startswith("fc_")
    priorities = [c["priority"] for c in causes]
    assert priorities == sorted(priorities, reverse=True)


def test_a_new_cause_reclassifies_the_builds_it_explains(api: Api, server: Server) -> None:
    build = _failed_build(server, LICENSE_LOG)
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "unknown"
    response = api.post(
        "/api/v1/failure-causes",
        json={
            "name": "license_server_refused",
            "category": "license",
            "description": "The license server refused a checkout.",
            "indications": [r"^LogLicensing: Error: license server \S+ refused"],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["name"], created["category"], created["priority"], created["stagePattern"]) == (
        "license_server_refused",
        "license",
        50,
        None,
    )
    assert int(response.headers["x-reclassified-builds"]) >= 1
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "license"
    assert api.ok("GET", f"/api/v1/failure-causes/{created['id']}") == created

    patched = api.ok("PATCH", f"/api/v1/failure-causes/{created['id']}", json={"category": "licensing"})
    assert (patched["category"], patched["indications"]) == ("licensing", created["indications"])
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "licensing"

    deleted = api.http.delete(f"/api/v1/failure-causes/{created['id']}")
    assert deleted.status_code == 204
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "unknown"
    assert_error(api.get(f"/api/v1/failure-causes/{created['id']}"), 404, "not_found")


def test_priority_decides_between_causes_that_both_match(api: Api, server: Server) -> None:
    build = _failed_build(server, "Tests run: 12, Failures: 3\nDEMO-CONFLICT marker\nFinished: FAILURE\n")
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "test_failure"
    low = api.ok(
        "POST",
        "/api/v1/failure-causes",
        201,
        json={"name": "marker_low", "category": "marker", "indications": ["DEMO-CONFLICT"], "priority": 10},
    )
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "test_failure"
    api.ok("PATCH", f"/api/v1/failure-causes/{low['id']}", json={"priority": 99})
    assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "marker"
    api.http.delete(f"/api/v1/failure-causes/{low['id']}")


def test_a_stage_pattern_narrows_a_cause_to_failures_in_that_stage(api: Api) -> None:
    created = api.ok(
        "POST",
        "/api/v1/failure-causes",
        201,
        json={"name": "deploy_stage", "category": "deployment", "stagePattern": "(?i)deploy", "priority": 4},
    )
    assert created["indications"] == []
    assert created["stagePattern"] == "(?i)deploy"
    removed = api.ok(
        "PATCH", f"/api/v1/failure-causes/{created['id']}", json={"stagePattern": None, "indications": ["x"]}
    )
    assert removed["stagePattern"] is None
    api.http.delete(f"/api/v1/failure-causes/{created['id']}")


def test_invalid_causes_are_400s_naming_the_field(api: Api) -> None:
    bad_regex = api.post(
        "/api/v1/failure-causes", json={"name": "broken", "category": "x", "indications": ["ok", "(unclosed"]}
    )
    assert assert_error(bad_regex, 400, "bad_request")["error"]["details"] == {"field": "indications[1]"}
    nothing = api.post("/api/v1/failure-causes", json={"name": "empty", "category": "x"})
    assert assert_error(nothing, 400, "bad_request")["error"]["details"] == {"field": "indications"}
    bad_category = api.post(
        "/api/v1/failure-causes", json={"name": "c", "category": "Not A Slug", "indications": ["x"]}
    )
    assert assert_error(bad_category, 400, "bad_request")["error"]["details"] == {"field": "category"}
    bad_stage = api.post("/api/v1/failure-causes", json={"name": "s", "category": "x", "stagePattern": "[z-a]"})
    assert_error(bad_stage, 400, "bad_request")
    assert_error(api.post("/api/v1/failure-causes", json={"category": "x"}), 400, "bad_request")
    priority = api.post(
        "/api/v1/failure-causes", json={"name": "p", "category": "x", "indications": ["x"], "priority": -1}
    )
    assert_error(priority, 400, "bad_request")


def test_a_taken_name_is_a_409(api: Api) -> None:
    [first, second, *_] = _all_causes(api)
    response = api.post("/api/v1/failure-causes", json={"name": first["name"], "category": "x", "indications": ["x"]})
    assert_error(response, 409, "conflict")
    assert_error(api.patch(f"/api/v1/failure-causes/{second['id']}", json={"name": first["name"]}), 409, "conflict")


def test_only_admins_change_causes(client: MakeClient) -> None:
    writer = client("write")
    cause = _all_causes(writer)[0]
    body = {"name": "by_writer", "category": "x", "indications": ["x"]}
    assert_error(writer.post("/api/v1/failure-causes", json=body), 403, "forbidden")
    assert_error(writer.patch(f"/api/v1/failure-causes/{cause['id']}", json={"priority": 1}), 403, "forbidden")
    assert_error(writer.http.delete(f"/api/v1/failure-causes/{cause['id']}"), 403, "forbidden")
    assert writer.ok("GET", f"/api/v1/failure-causes/{cause['id']}") == cause


def test_a_new_cause_never_takes_a_deleted_causes_id(api: Api) -> None:
    cause = {"category": "license", "indications": ["license refused"]}
    gone = api.ok("POST", "/api/v1/failure-causes", 201, json={**cause, "name": "license_gone"})
    assert api.http.delete(f"/api/v1/failure-causes/{gone['id']}").status_code == 204
    made = api.ok("POST", "/api/v1/failure-causes", 201, json={**cause, "name": "license_new"})
    assert made["id"] != gone["id"]
    assert api.get(f"/api/v1/failure-causes/{gone['id']}").status_code == 404
    api.http.delete(f"/api/v1/failure-causes/{made['id']}")


def test_a_backreference_or_lookaround_is_a_400_naming_the_construct(api: Api) -> None:
    backreference = api.post(
        "/api/v1/failure-causes", json={"name": "echo", "category": "x", "indications": ["ok", r"(\w+) \1"]}
    )
    error = assert_error(backreference, 400, "bad_request")["error"]
    assert error["details"] == {"field": "indications[1]"}
    assert "backreference \\1" in error["message"]
    lookahead = api.post("/api/v1/failure-causes", json={"name": "ahead", "category": "x", "stagePattern": "(?=Test)"})
    error = assert_error(lookahead, 400, "bad_request")["error"]
    assert error["details"] == {"field": "stagePattern"}
    assert "lookahead (?=" in error["message"]
    cause = _all_causes(api)[-1]
    edit = api.patch(f"/api/v1/failure-causes/{cause['id']}", json={"indications": ["(?<!not )failed"]})
    assert "negative lookbehind (?<!" in assert_error(edit, 400, "bad_request")["error"]["message"]
    assert api.ok("GET", f"/api/v1/failure-causes/{cause['id']}") == cause


def test_a_catastrophic_pattern_is_saved_and_classifies_a_hostile_log(api: Api, server: Server) -> None:
    # Python's re tries every way to split each line's a's in up to 12 groups before giving up: ghee stalled.
    hostile = _failed_build(server, ("a" * 64 + "!\n") * 20 + "Finished: FAILURE\n")
    plain = _failed_build(server, "aaaa\nFinished: FAILURE\n")
    created = api.post(
        "/api/v1/failure-causes",
        json={"name": "all_a", "category": "all_a", "indications": ["^(a+){1,12}$"], "priority": 1},
    )
    assert created.status_code == 201, created.text
    assert int(created.headers["x-reclassified-builds"]) >= 2
    assert api.ok("GET", f"/api/v1/builds/{hostile}")["failureCategory"] == "unknown"
    assert api.ok("GET", f"/api/v1/builds/{plain}")["failureCategory"] == "all_a"
    api.http.delete(f"/api/v1/failure-causes/{created.json()['id']}")


def test_a_stored_pattern_re2_refuses_is_skipped_and_reported(api: Api, server: Server) -> None:
    """A cause saved before ghee used RE2 may hold one: it must not break classification."""

    async def store(work: Write) -> list[str]:
        now = to_storage(datetime.now(UTC))
        stored = []
        for name, indications in (
            ("legacy_mixed", [r"(?=LogLegacy)x", r"^LogLegacy: Error: \S+"]),
            ("legacy_only", [r"^(LogLegacy): Error: \1"]),
        ):
            row = await work.scalar(
                failure_causes.insert()
                .values(name=name, category=name, description="", indications=indications, priority=2)
                .values(stage_pattern=None, created_at=now, updated_at=now)
                .returning(failure_causes.c.id)
            )
            stored.append(ids.encode("fc", row, "failure_cause"))
        return stored

    mixed, only = in_db(server, store)
    try:
        build = _failed_build(server, "LogLegacy: Error: LogLegacy\nFinished: FAILURE\n")
        assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "legacy_mixed"
        reported = api.ok("GET", f"/api/v1/failure-causes/{mixed}")["unusablePatterns"]
        assert list(reported) == ["indications[0]"]
        assert "lookahead (?=" in reported["indications[0]"]
        reported = api.ok("GET", f"/api/v1/failure-causes/{only}")["unusablePatterns"]
        assert "backreference \\1" in reported["indications[0]"]
        # Without the first, the second explains nothing (its one indication is skipped), rather than everything.
        assert api.http.delete(f"/api/v1/failure-causes/{mixed}").status_code == 204
        assert api.ok("GET", f"/api/v1/builds/{build}")["failureCategory"] == "unknown"
        # Changing it checks every pattern again, so the stored one must be fixed first.
        edit = api.patch(f"/api/v1/failure-causes/{only}", json={"priority": 3})
        assert assert_error(edit, 400, "bad_request")["error"]["details"] == {"field": "indications[0]"}
    finally:
        for cause in (mixed, only):
            api.http.delete(f"/api/v1/failure-causes/{cause}")

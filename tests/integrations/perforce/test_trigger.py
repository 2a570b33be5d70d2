"""``ghee p4 trigger | flush | backfill`` against recorded ``p4 -ztag`` output through a stand-in ``p4``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ghee.core.projects import project_row_id
from tests.support.api import Api
from tests.support.servers import Server
from tests.support.vcs_clients import closed_url, run_ghee, sender_env, silent_server, write_token

GOLEM = 48213  # six files: add, edit, delete, move/add, move/delete, edit
RELEASE = 48220  # integrate, branch, purge, archive, import
HARBOUR = 48211


@pytest.fixture
def project(api: Api) -> dict[str, Any]:
    return api.new_project()


@pytest.fixture
def env(server: Server, project: dict[str, Any], p4_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    token = write_token(server, project_row_id(project["id"]))
    return {**sender_env(server.base_url, token, project["id"], tmp_path / "spool"), **p4_env}


def _listed(api: Api, project_id: str) -> list[dict[str, Any]]:
    return api.ok("GET", f"/v1/projects/{project_id}/changelists", params={"limit": 100})["changelists"]  # type: ignore[no-any-return]


def _assets(api: Api, project_id: str) -> list[tuple[str, str, bool]]:
    listed = api.ok("GET", f"/v1/projects/{project_id}/assets", params={"include_deleted": True, "limit": 100})
    return sorted((a["path"], a["type"], a["deleted"]) for a in listed["assets"])


def _without_ids(changelist: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changelist.items() if k not in ("id", "project_id")}


def test_a_triggered_change_is_what_ghee_would_get_by_api(
    api: Api, project: dict[str, Any], env: dict[str, str]
) -> None:
    done = run_ghee(["p4", "trigger", str(GOLEM)], env)
    assert done.returncode == 0, done.stderr
    assert f"ghee: change {GOLEM}: 1 sent to ghee, 0 spooled for later, 0 rejected" in done.stdout
    [changelist] = _listed(api, project["id"])
    by_api = api.new_project()
    posted = api.new_changelist(
        by_api["id"],
        GOLEM,
        [
            ("//depot/Ember/Content/Characters/Golem/A_Golem_Idle.uasset", "add"),
            ("//depot/Ember/Content/Characters/Golem/BS_Golem.uasset", "edit"),
            ("//depot/Ember/Content/Characters/Golem/T_Golem_Placeholder.uasset", "delete"),
            ("//depot/Ember/Content/Characters/Golem/T_Golem_D.uasset", "move/add"),
            ("//depot/Ember/Content/Characters/Golem/T_Golem_Diffuse.uasset", "move/delete"),
            ("//depot/Ember/Source/EmberTactics/Golem.cpp", "edit"),
        ],
        author="mira.okafor",
        description="Golem: idle animation and blend space\n\nTuned with the animation team; replaces the placeholder.",
        submitted_at="2026-12-01T09:15:02Z",
    )
    assert _without_ids(changelist) == _without_ids(posted)
    assert _assets(api, project["id"]) == _assets(api, by_api["id"])
    deleted = {path for path, _, gone in _assets(api, project["id"]) if gone}
    assert deleted == {
        "//depot/Ember/Content/Characters/Golem/T_Golem_Placeholder.uasset",
        "//depot/Ember/Content/Characters/Golem/T_Golem_Diffuse.uasset",
    }


def test_p4_runs_with_the_triggers_own_environment(env: dict[str, str]) -> None:
    run_ghee(["p4", "trigger", str(GOLEM)], env)
    calls = Path(env["FAKE_P4_LOG"]).read_text().splitlines()
    assert calls == [f"ssl:perforce.lantern.example:1666 ghee-trigger -ztag describe -s {GOLEM}"]


def test_every_perforce_action_is_kept(api: Api, project: dict[str, Any], env: dict[str, str]) -> None:
    assert run_ghee(["p4", "trigger", str(RELEASE)], env).returncode == 0
    [changelist] = _listed(api, project["id"])
    assert [f["action"] for f in changelist["files"]] == ["integrate", "branch", "purge", "archive", "import"]
    deleted = {path for path, _, gone in _assets(api, project["id"]) if gone}
    assert deleted == {
        "//depot/Ember-Release/Content/Old/SM_Crate_v1.uasset",
        "//depot/Ember-Release/Content/Old/SM_Crate_v2.uasset",
    }


def test_a_triggered_change_feeds_changelist_latest(api: Api, project: dict[str, Any], env: dict[str, str]) -> None:
    for change in (HARBOUR, RELEASE):
        assert run_ghee(["p4", "trigger", str(change)], env).returncode == 0
    assert api.new_build(project["id"], changelist="latest")["changelist"] == str(RELEASE)


def test_the_trigger_spools_when_ghee_is_down_and_flush_sends_later(
    api: Api, server: Server, project: dict[str, Any], env: dict[str, str], tmp_path: Path
) -> None:
    down = run_ghee(["p4", "trigger", str(GOLEM)], {**env, "GHEE_URL": closed_url()})
    assert down.returncode == 0, down.stderr  # the submit is done; the change waits in the spool
    assert "0 sent to ghee, 1 spooled for later" in down.stdout
    assert [p.name for p in (tmp_path / "spool").rglob("*.json")] == [f"p4-{GOLEM}.json"]
    assert _listed(api, project["id"]) == []
    early = run_ghee(["p4", "flush"], env)  # its backoff has not passed yet
    assert (early.returncode, "0 sent" in early.stdout) == (1, True)
    flushed = run_ghee(["p4", "flush", "--all"], env)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert "1 sent to ghee" in flushed.stdout
    assert [c["number"] for c in _listed(api, project["id"])] == [GOLEM]
    assert not list((tmp_path / "spool").rglob("*.json"))


def test_the_next_trigger_sends_the_spool_first(api: Api, project: dict[str, Any], env: dict[str, str]) -> None:
    assert "1 spooled" in run_ghee(["p4", "trigger", str(HARBOUR)], {**env, "GHEE_URL": closed_url()}).stdout
    later = run_ghee(["p4", "trigger", str(GOLEM)], env)
    assert "2 sent to ghee, 0 spooled" in later.stdout
    assert [c["number"] for c in _listed(api, project["id"])] == [GOLEM, HARBOUR]


def test_the_trigger_gives_up_on_a_silent_ghee_within_its_budget(env: dict[str, str], tmp_path: Path) -> None:
    with silent_server() as url:
        started = time.monotonic()
        done = run_ghee(["p4", "trigger", str(GOLEM)], {**env, "GHEE_URL": url, "GHEE_SEND_SECONDS": "2"})
        took = time.monotonic() - started
    assert (done.returncode, "1 spooled for later" in done.stdout) == (0, True)
    assert took < 2 + 4, took  # the budget, plus starting Python on a busy machine
    assert list((tmp_path / "spool").rglob(f"p4-{GOLEM}.json"))


def test_a_change_p4_cannot_describe_is_spooled_by_number_and_described_later(
    api: Api, project: dict[str, Any], env: dict[str, str]
) -> None:
    failed = run_ghee(["p4", "trigger", str(GOLEM)], {**env, "FAKE_P4_DOWN": "1"})
    assert failed.returncode == 0
    assert "p4 describe 48213 failed" in failed.stderr
    assert "Connect to server failed" in failed.stderr
    assert _listed(api, project["id"]) == []
    assert run_ghee(["p4", "flush", "--all"], env).returncode == 0
    [changelist] = _listed(api, project["id"])
    assert (changelist["number"], len(changelist["files"])) == (GOLEM, 6)


def test_backfill_imports_history_oldest_first_and_again_changes_nothing(
    api: Api, project: dict[str, Any], env: dict[str, str]
) -> None:
    done = run_ghee(["p4", "backfill", "--since", "48212"], env)
    assert done.returncode == 0, done.stderr
    assert "imported 2 of 2 changes (up to 48220)" in done.stderr
    assert "ghee: 2 of 2 changes since 48212 are in ghee" in done.stdout
    assert [c["number"] for c in _listed(api, project["id"])] == [RELEASE, GOLEM]
    by_date = run_ghee(["p4", "backfill", "--since", "2026/11/01", "--path", "//depot/..."], env)
    assert by_date.returncode == 0, by_date.stderr
    assert [c["number"] for c in _listed(api, project["id"])] == [RELEASE, GOLEM, HARBOUR]
    before = (_listed(api, project["id"]), _assets(api, project["id"]))
    again = run_ghee(["p4", "backfill", "--since", "2026-11-01"], env)
    assert again.returncode == 0, again.stderr
    assert (_listed(api, project["id"]), _assets(api, project["id"])) == before
    calls = Path(env["FAKE_P4_LOG"]).read_text()
    assert "-ztag changes -s submitted -e 48212 //..." in calls
    assert "-ztag changes -s submitted //depot/...@2026/11/01,@now" in calls


def test_backfill_stops_where_ghee_stopped_answering(env: dict[str, str]) -> None:
    done = run_ghee(["p4", "backfill", "--since", "48211"], {**env, "GHEE_URL": closed_url()})
    assert done.returncode == 1
    assert "stopped at change 48211" in done.stderr
    assert "resume with --since 48211" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("since", ["yesterday", "48x", "2026/13"])
def test_backfill_since_something_else_is_one_error_line(env: dict[str, str], since: str) -> None:
    done = run_ghee(["p4", "backfill", "--since", since], env)
    assert done.returncode == 1
    assert "--since" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_trigger_without_ghees_address_says_what_to_set(env: dict[str, str]) -> None:
    done = run_ghee(
        ["p4", "trigger", str(GOLEM)], {k: v for k, v in env.items() if k not in ("GHEE_URL", "GHEE_TOKEN")}
    )
    assert done.returncode == 1
    assert "GHEE_URL, GHEE_TOKEN must be set" in done.stderr
    assert "Traceback" not in done.stderr
    assert env["GHEE_TOKEN"] not in done.stdout + done.stderr


def test_a_project_that_is_no_project_id_is_refused_before_anything_runs(env: dict[str, str]) -> None:
    done = run_ghee(["p4", "trigger", str(GOLEM)], {**env, "GHEE_PROJECT": "../../etc"})
    assert done.returncode == 1
    assert "GHEE_PROJECT must be a project id" in done.stderr
    assert not Path(env["FAKE_P4_LOG"]).exists()


def test_a_spool_that_cannot_be_written_is_one_error_line(env: dict[str, str], tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the spool should be")
    done = run_ghee(["p4", "trigger", str(GOLEM)], {**env, "GHEE_URL": closed_url(), "GHEE_SPOOL_DIR": str(blocked)})
    assert done.returncode == 1
    assert f"change {GOLEM} could not be kept in" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_change_ghee_refuses_is_set_aside_not_retried(
    api: Api, project: dict[str, Any], env: dict[str, str], tmp_path: Path
) -> None:
    done = run_ghee(["p4", "trigger", "48230"], env)  # a depot path past 1024 characters
    assert done.returncode == 0
    assert "0 sent to ghee, 0 spooled for later, 1 rejected" in done.stdout
    [rejected] = (tmp_path / "spool").rglob("rejected/p4-48230.json")
    assert "files[0].path" in rejected.read_text()
    assert not list((tmp_path / "spool").glob("*/*/*.json"))
    assert _listed(api, project["id"]) == []

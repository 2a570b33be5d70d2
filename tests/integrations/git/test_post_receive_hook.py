"""``ghee git hook`` as a bare repository's post-receive hook, driven by a real ``git push``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from ghee.core.projects import project_row_id
from tests.support.api import Api
from tests.support.servers import Server
from tests.support.services import GHEE
from tests.support.vcs_clients import closed_url, run_ghee, sender_env, silent_server, write_token


class Repositories:
    """A bare repository with ``ghee git hook`` installed, and a working copy pushing to it."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.bare, self.work = root / "game.git", root / "work"
        self.env = {**env, "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
        self.git("init", "-q", "--bare", str(self.bare), cwd=root)
        hook = self.bare / "hooks" / "post-receive"
        hook.write_text(f'#!/bin/sh\nexec "{GHEE}" git hook\n')
        hook.chmod(0o755)
        self.git("init", "-q", "-b", "main", str(self.work), cwd=root)
        self.git("config", "user.name", "Mira Okafor")
        self.git("config", "user.email", "mira@lantern.example")

    def git(self, *arguments: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["git", *arguments],
            cwd=cwd or self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    def commit(self, message: str, write: dict[str, str] | None = None, remove: tuple[str, ...] = ()) -> str:
        for path, text in (write or {}).items():
            (self.work / path).parent.mkdir(parents=True, exist_ok=True)
            (self.work / path).write_text(text)
            self.git("add", path)
        for path in remove:
            self.git("rm", "-q", path)
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def push(self, *refs: str) -> str:
        return self.git("push", str(self.bare), *(refs or ("main",)))


@pytest.fixture
def project(api: Api) -> dict[str, Any]:
    return api.new_project()


@pytest.fixture
def repositories(tmp_path: Path, server: Server, project: dict[str, Any]) -> Repositories:
    token = write_token(server, project_row_id(project["id"]))
    return Repositories(tmp_path, sender_env(server.base_url, token, project["id"], tmp_path / "spool"))


def _listed(api: Api, project_id: str) -> list[dict[str, Any]]:
    return list(reversed(api.ok("GET", f"/v1/projects/{project_id}/changelists", params={"limit": 100})["changelists"]))


def test_a_push_sends_each_new_commit_with_its_files(
    api: Api, project: dict[str, Any], repositories: Repositories
) -> None:
    first = repositories.commit(
        "Add the golem\n\nIdle animation and its blend space.",
        {"Content/Golem/A_Idle.uasset": "idle", "Source/Golem.cpp": "int main;", "README.md": "Ember"},
    )
    second = repositories.commit("Rework the golem", {"Source/Golem.cpp": "int golem;"}, remove=("README.md",))
    output = repositories.push()
    assert "ghee: 2 commit(s): 2 sent to ghee" in output
    listed = _listed(api, project["id"])
    assert [(c["revision"], c["number"]) for c in listed] == [(first, 1), (second, 2)]
    assert listed[0]["author"] == "Mira Okafor"
    assert listed[0]["description"] == "Add the golem\n\nIdle animation and its blend space."
    assert sorted(map(tuple, (f.values() for f in listed[0]["files"]))) == [
        ("Content/Golem/A_Idle.uasset", "add"),
        ("README.md", "add"),
        ("Source/Golem.cpp", "add"),
    ]
    assert sorted(map(tuple, (f.values() for f in listed[1]["files"]))) == [
        ("README.md", "delete"),
        ("Source/Golem.cpp", "edit"),
    ]
    assets = api.ok("GET", f"/v1/projects/{project['id']}/assets", params={"include_deleted": True})["assets"]
    assert {a["path"]: a["deleted"] for a in assets} == {
        "Content/Golem/A_Idle.uasset": False,
        "README.md": True,
        "Source/Golem.cpp": False,
    }


def test_later_pushes_and_new_branches_send_only_the_commits_they_bring(
    api: Api, project: dict[str, Any], repositories: Repositories
) -> None:
    repositories.commit("First", {"a.txt": "1"})
    repositories.push()
    second = repositories.commit("Second", {"a.txt": "2"})
    assert "ghee: 1 commit(s): 1 sent" in repositories.push()
    repositories.git("checkout", "-q", "-b", "feature/harbour")
    harbour = repositories.commit("Harbour map", {"Maps/L_Harbour.umap": "map"})
    assert "ghee: 1 commit(s): 1 sent" in repositories.push("feature/harbour")
    repositories.git("checkout", "-q", "main")
    assert "ghee: 0 commit(s)" in repositories.push("--delete", "feature/harbour")
    listed = _listed(api, project["id"])
    assert [c["revision"] for c in listed][1:] == [second, harbour]


def test_a_hook_spools_when_ghee_is_down_and_flush_sends_later(
    api: Api, server: Server, project: dict[str, Any], repositories: Repositories, tmp_path: Path
) -> None:
    repositories.env["GHEE_URL"] = closed_url()
    first = repositories.commit("First", {"a.txt": "1"})
    second = repositories.commit("Second", {"a.txt": "2"})
    output = repositories.push()
    assert "0 sent to ghee, 2 spooled for later" in output
    assert _listed(api, project["id"]) == []
    flushed = run_ghee(["git", "flush", "--all"], {**repositories.env, "GHEE_URL": server.base_url})
    assert flushed.returncode == 0, flushed.stderr
    assert "2 sent to ghee" in flushed.stdout
    assert [c["revision"] for c in _listed(api, project["id"])] == [first, second]
    assert not list((tmp_path / "spool").rglob("*.json"))


def test_a_hook_waits_no_longer_than_its_budget_for_a_ghee_that_never_answers(
    api: Api, server: Server, project: dict[str, Any], repositories: Repositories
) -> None:
    first = repositories.commit("First", {"a.txt": "1"})
    with silent_server() as url:
        repositories.env["GHEE_URL"] = url
        started = time.monotonic()
        output = repositories.push()
        took = time.monotonic() - started
    assert "1 spooled for later" in output
    assert took < 2 + 5, took  # GHEE_SEND_SECONDS=2, plus starting git and ghee on a busy machine
    # The next push sends what waited first, then its own commit: numbered in the order pushed.
    repositories.env["GHEE_URL"] = server.base_url
    second = repositories.commit("Second", {"a.txt": "2"})
    assert "2 sent to ghee, 0 spooled" in repositories.push()
    assert [(c["revision"], c["number"]) for c in _listed(api, project["id"])] == [(first, 1), (second, 2)]

"""Helpers of the Perforce and git tests: a server whose key the tests share, push secrets, signed pushes."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from ghee.core.git_push_secrets import git_push_secret
from ghee.core.projects import project_row_id
from ghee.db.database import opened
from ghee.db.sealing import Sealer
from tests.support.servers import Server, shared_server
from tests.support.services import run_async

SECRET_KEY = Fernet.generate_key().decode()
PAYLOADS = Path(__file__).resolve().parent.parent / "integrations" / "git" / "payloads"


def changes_server(backend: str, tmp_path_factory: Any) -> Server:
    """The ``ghee serve`` of the git and Perforce tests: a known secret key (they make push secrets), no loops."""
    return shared_server(backend, tmp_path_factory, "changes", GHEE_SECRET_KEY=SECRET_KEY, GHEE_WORKER_IN_PROCESS="0")


def push_secret(server: Server, project_id: str) -> str:
    """The project's git push secret, made as ``ghee git secret`` makes it."""

    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            return await git_push_secret(work, Sealer(SECRET_KEY.encode()), project_row_id(project_id))

    return run_async(run)


def payload(name: str) -> bytes:
    """A recorded push payload (``github_push``, ``gitlab_push``, ``gitea_push`` ...), as the host sends it."""
    return (PAYLOADS / f"{name}.json").read_bytes()


def commits_of(name: str) -> list[dict[str, Any]]:
    commits: list[dict[str, Any]] = json.loads(payload(name))["commits"]
    return commits


def github_headers(body: bytes, secret: str, event: str = "push") -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/4f0a2c1",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-GitHub-Hook-ID": "498239021",
        "X-Hub-Signature-256": f"sha256={signature}",
    }


def gitlab_headers(token: str, event: str = "Push Hook") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitLab/17.6.1",
        "X-Gitlab-Event": event,
        "X-Gitlab-Token": token,
        "X-Gitlab-Event-UUID": "13792a34-cac6-4fda-95a8-c58e00a3954e",
        "X-Gitlab-Instance": "https://gitlab.lantern.example",
    }


def gitea_headers(body: bytes, secret: str, event: str = "push") -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "Go-http-client/1.1",
        "X-Gitea-Delivery": "7a8c9ad2-2b40-4f5b-9e0e-2f4c7a1e8d11",
        "X-Gitea-Event": event,
        "X-Gitea-Event-Type": event,
        "X-Gitea-Signature": signature,
        # Gitea also names the event the GitHub way, for tools that only know GitHub.
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": "7a8c9ad2-2b40-4f5b-9e0e-2f4c7a1e8d11",
    }


def post_push(server: Server, project_id: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1/projects/{project_id}/git/push", content=body, headers=headers, timeout=30)

"""An HTTP client of a test server for one token, with factories for realistic rows."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.servers import Server


class Api:
    """An HTTP client for one token, with factories for realistic rows."""

    def __init__(self, server: Server, token: str | None) -> None:
        self.server = server
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=server.base_url, headers=headers, timeout=30)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.patch(path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.put(path, **kwargs)

    def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """Send a request, assert the status, return the JSON body."""
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        return response.json()

    def new_project(self, engine: str = "unreal", name: str | None = None) -> dict[str, Any]:
        name = name or f"Game {uuid.uuid4().hex[:8]}"
        return self.ok("POST", "/v1/projects", 201, json={"name": name, "engine": engine})  # type: ignore[no-any-return]

    def new_changelist(
        self, project_id: str, number: int, files: list[tuple[str, str]] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "number": number,
            "author": fields.pop("author", "john.doe"),
            "description": fields.pop("description", f"Change {number}"),
            "files": [{"path": p, "action": a} for p, a in (files or [])],
            **fields,
        }
        response = self.http.post(f"/v1/projects/{project_id}/changelists", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()  # type: ignore[no-any-return]

    def new_build(self, project_id: str, changelist: str | int | None = None, **fields: Any) -> dict[str, Any]:
        body = {"platform": "win64", "configuration": "shipping", "changelist": changelist, **fields}
        return self.ok("POST", f"/v1/projects/{project_id}/builds", 201, json=body)  # type: ignore[no-any-return]

    def finished_build(self, project_id: str, status: str = "success", **fields: Any) -> dict[str, Any]:
        build = self.new_build(project_id, **fields)
        return self.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": status})  # type: ignore[no-any-return]

"""Talks HTTP to one Jenkins server: tree queries, build pages, stages, logs, triggering.

Every request asks for exactly the fields ghee uses (``tree=``), and paths
are built from job names under the connection's URL rather than from the
``url`` fields Jenkins reports, which follow its configured root URL and are
wrong behind many proxies. ``requests`` counts what was sent, for tests and
benchmarks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx
import msgspec

from ghee.integrations.jenkins.shapes import (
    BuildPage,
    Crumb,
    JobTree,
    LogPiece,
    QueueItem,
    RemoteBuild,
    RemoteJob,
    Root,
    RunDescription,
)

T = TypeVar("T")

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
JOB_FIELDS = "name,url,lastBuild[number],firstBuild[number],assignedLabel[name]"
BUILD_FIELDS = (
    "number,result,building,duration,timestamp,queueId,url,builtOn,"
    "actions[causes[shortDescription,userId,userName],parameters[name,value],"
    "lastBuiltRevision[SHA1,branch[name]],queuingDurationMillis]"
)
TREE_DEPTH = 5  # folder levels per tree query; deeper folders are asked for again


class JenkinsError(Exception):
    """Jenkins could not be used; the message says why, in words fit for ``connections.last_error``."""


class JenkinsUnreachable(JenkinsError):
    """No HTTP answer: bad host, refused connection, timeout, TLS failure."""


class JenkinsRefused(JenkinsError):
    """Jenkins answered 401 or 403 to the connection's credentials."""

    def __init__(self, status: int, url: str) -> None:
        word = "rejected the user name or API token" if status == 401 else "denied this user access"  # noqa: PLR2004
        super().__init__(f"Jenkins {word} (HTTP {status} from {url})")
        self.status = status


class JenkinsFailed(JenkinsError):
    """Jenkins answered with an unexpected status or a body that is not what its API documents."""


def jobs_tree(depth: int = TREE_DEPTH) -> str:
    """``jobs[...,jobs[...,jobs[...]]]`` nested ``depth`` levels."""
    level = f"jobs[{JOB_FIELDS}]"
    for _ in range(depth - 1):
        level = f"jobs[{JOB_FIELDS},{level}]"
    return level


def job_path(full_name: str) -> str:
    """The URL path of a job below the root: ``a/b`` → ``job/a/job/b/``."""
    return "".join(f"job/{quote(part, safe='')}/" for part in full_name.split("/"))


def check_base_url(url: str) -> str:
    """``url`` with a trailing slash; raises ``ValueError`` unless it is an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or fragment")
    return url.strip().rstrip("/") + "/"


class JenkinsClient:
    """One server's remote API, authenticated with HTTP basic (user name and API token)."""

    def __init__(
        self, base_url: str, username: str, token: str, *, timeout: httpx.Timeout = TIMEOUT, in_flight: int = 1
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.requests = 0
        self.in_flight = in_flight
        # At most ``in_flight`` requests at once, each on a kept-alive connection of its own.
        self._turns = asyncio.Semaphore(in_flight)
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(username, token) if username or token else None,
            timeout=timeout,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            limits=httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections to the server."""
        await self._http.aclose()

    def url(self, path: str) -> str:
        """An absolute URL below the server's root."""
        return urljoin(self.base_url, path)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> httpx.Response | None:
        url = self.url(path)
        self.requests += 1
        try:
            async with self._turns:
                response = await self._http.request(method, url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise JenkinsUnreachable(f"cannot reach {url}: {exc or type(exc).__name__}") from exc
        except httpx.InvalidURL as exc:
            raise JenkinsUnreachable(f"cannot reach {url}: {exc}") from exc
        if response.status_code in {401, 403}:
            raise JenkinsRefused(response.status_code, url)
        if response.status_code == 404 and missing_ok:  # noqa: PLR2004
            return None
        if response.status_code >= 400:  # noqa: PLR2004
            raise JenkinsFailed(f"Jenkins answered HTTP {response.status_code} to {method} {url}")
        return response

    async def _json(self, path: str, shape: type[T], *, tree: str | None = None, missing_ok: bool = False) -> T | None:
        response = await self._send("GET", path, params={"tree": tree} if tree else None, missing_ok=missing_ok)
        if response is None:
            return None
        try:
            return msgspec.json.decode(response.content, type=shape)
        except msgspec.DecodeError as exc:
            raise JenkinsFailed(f"{self.url(path)} did not answer with Jenkins' JSON: {exc}") from exc

    async def check(self) -> None:
        """Check that the server is Jenkins and accepts the credentials; raises a ``JenkinsError`` otherwise."""
        response = await self._send("GET", "api/json", params={"tree": "mode"})
        assert response is not None  # noqa: S101 (404 raised above, since missing_ok is off)
        if "x-jenkins" not in response.headers:
            try:
                msgspec.json.decode(response.content, type=Root)
            except msgspec.DecodeError as exc:
                raise JenkinsFailed(f"{self.base_url} does not look like a Jenkins server") from exc

    async def jobs(self, folder: str = "") -> list[RemoteJob]:
        """The jobs below folder ``folder`` (full name, ``""`` for the root), ``TREE_DEPTH`` levels deep."""
        tree = await self._json(f"{job_path(folder) if folder else ''}api/json", JobTree, tree=jobs_tree())
        return tree.jobs if tree else []

    async def job(self, full_name: str) -> RemoteJob | None:
        """One job's name, URL, first and last build numbers and label, or ``None`` if Jenkins no longer has it."""
        return await self._json(f"{job_path(full_name)}api/json", RemoteJob, tree=JOB_FIELDS, missing_ok=True)

    async def builds(self, job: str, start: int, end: int) -> list[RemoteBuild]:
        """Builds ``start`` (inclusive) to ``end`` (exclusive) of ``allBuilds``, newest first."""
        tree = f"allBuilds[{BUILD_FIELDS}]{{{start},{end}}}"
        page = await self._json(f"{job_path(job)}api/json", BuildPage, tree=tree, missing_ok=True)
        return page.all_builds if page else []

    async def build(self, job: str, number: int) -> RemoteBuild | None:
        """One build, or ``None`` if Jenkins no longer has it."""
        return await self._json(f"{job_path(job)}{number}/api/json", RemoteBuild, tree=BUILD_FIELDS, missing_ok=True)

    async def describe(self, job: str, number: int) -> RunDescription | None:
        """A pipeline run's stages (``wfapi/describe``), or ``None`` without the stage-view plugin."""
        return await self._json(f"{job_path(job)}{number}/wfapi/describe", RunDescription, missing_ok=True)

    async def queue_item(self, queue_id: int) -> QueueItem | None:
        """A queue item, or ``None`` once Jenkins forgot it (a few minutes after it started)."""
        return await self._json(f"queue/item/{queue_id}/api/json", QueueItem, missing_ok=True)

    async def log(self, job: str, number: int, start: int) -> LogPiece | None:
        """Console text from byte ``start`` (``logText/progressiveText``), or ``None`` if the build is gone."""
        path = f"{job_path(job)}{number}/logText/progressiveText"
        response = await self._send("GET", path, params={"start": start}, missing_ok=True)
        if response is None:
            return None
        size = response.headers.get("x-text-size", "")
        next_start = int(size) if size.isdigit() else start + len(response.content)
        more = response.headers.get("x-more-data", "").lower() == "true"
        return LogPiece(response.content, next_start, more)

    async def crumb(self) -> Crumb | None:
        """A CSRF crumb for POSTs, or ``None`` when the server has CSRF protection off."""
        return await self._json("crumbIssuer/api/json", Crumb, missing_ok=True)

    async def trigger(self, job: str, parameters: Sequence[tuple[str, str]]) -> int | None:
        """Queue a build of ``job`` with ``parameters``; returns the queue item's id, if Jenkins named one."""
        crumb = await self.crumb()
        headers = {crumb.crumb_request_field: crumb.crumb} if crumb else {}
        path = f"{job_path(job)}buildWithParameters" if parameters else f"{job_path(job)}build"
        response = await self._send("POST", path, params=dict(parameters), headers=headers)
        assert response is not None  # noqa: S101 (404 raised above, since missing_ok is off)
        return queue_id_from(response.headers.get("location", ""))


def queue_id_from(location: str) -> int | None:
    """The queue item id in a ``Location`` such as ``https://ci/queue/item/123/``."""
    parts = [part for part in urlsplit(location).path.split("/") if part]
    if len(parts) >= 2 and parts[-2] == "item" and parts[-1].isdigit():  # noqa: PLR2004
        return int(parts[-1])
    return None

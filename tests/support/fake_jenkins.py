"""A Jenkins on a real local socket, answering with JSON shaped as its remote API documents.

The bodies follow what Jenkins 2.4xx returns for the same requests (``_class``
on every object, ``tree=`` nesting, ``{M,N}`` ranges on ``allBuilds``,
``X-Text-Size``/``X-More-Data`` on ``progressiveText``, ``Location`` of the
queue item on ``buildWithParameters``, 401 with ``WWW-Authenticate`` for bad
credentials). Tests change the model between sync passes and read back the
requests it received.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
PIPELINE = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
FREESTYLE = "hudson.model.FreeStyleProject"
T0 = 1_765_000_000_000  # 2025-12-06, in ms


@dataclass
class FakeBuild:
    number: int
    result: str | None = "SUCCESS"
    building: bool = False
    duration: int = 60_000
    timestamp: int = T0
    queue_id: int = 0
    built_on: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    causes: list[dict[str, Any]] = field(default_factory=lambda: [{"shortDescription": "Started by timer"}])
    git: tuple[str, str] | None = None  # (SHA1, "origin/main")
    queue_ms: int | None = None  # TimeInQueueAction, from the metrics plugin
    log: bytes = b""
    stages: list[dict[str, Any]] | None = None

    def json(self, job_url: str) -> dict[str, Any]:
        actions: list[dict[str, Any]] = [{"_class": "hudson.model.CauseAction", "causes": self._causes()}]
        if self.parameters:
            actions.append(
                {
                    "_class": "hudson.model.ParametersAction",
                    "parameters": [
                        {"_class": "hudson.model.StringParameterValue", "name": k, "value": v}
                        for k, v in self.parameters.items()
                    ],
                }
            )
        if self.git:
            sha, branch = self.git
            actions.append(
                {
                    "_class": "hudson.plugins.git.util.BuildData",
                    "lastBuiltRevision": {"SHA1": sha, "branch": [{"SHA1": sha, "name": branch}]},
                }
            )
        if self.queue_ms is not None:
            actions.append(
                {
                    "_class": "jenkins.metrics.impl.TimeInQueueAction",
                    "queuingDurationMillis": self.queue_ms,
                    "buildableDurationMillis": self.queue_ms,
                }
            )
        actions.append({})  # Jenkins lists actions that export none of the fields asked for as {}
        body = {
            "_class": "hudson.model.FreeStyleBuild",
            "actions": actions,
            "building": self.building,
            "duration": 0 if self.building else self.duration,
            "number": self.number,
            "queueId": self.queue_id,
            "result": None if self.building else self.result,
            "timestamp": self.timestamp,
            "url": f"{job_url}{self.number}/",
        }
        if self.built_on is not None:
            body["builtOn"] = self.built_on
        return body

    def _causes(self) -> list[dict[str, Any]]:
        return [
            {
                "_class": "hudson.model.Cause$UserIdCause"
                if "userId" in c
                else "hudson.triggers.TimerTrigger$TimerTriggerCause",
                **c,
            }
            for c in self.causes
        ]


@dataclass
class FakeJob:
    cls: str = FREESTYLE
    builds: dict[int, FakeBuild] = field(default_factory=dict)
    label: str | None = "linux"

    def add(self, build: FakeBuild) -> FakeBuild:
        self.builds[build.number] = build
        return build


@dataclass
class FakeFolder:
    cls: str = FOLDER
    children: dict[str, FakeJob | FakeFolder] = field(default_factory=dict)


_RANGE = re.compile(r"\{(\d*),(\d*)\}$")


class FakeJenkins:
    """The model behind the server; ``requests`` lists ``(method, path?query)`` of everything received."""

    def __init__(self, *, user: str = "ci-bot", token: str = "s3cret-api-token", csrf: bool = False) -> None:  # noqa: S107
        self.user, self.token, self.csrf = user, token, csrf
        self.root = FakeFolder(cls="hudson.model.Hudson")
        self.requests: list[tuple[str, str]] = []
        self.triggered: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.queue: dict[int, dict[str, Any]] = {}
        self.start_queued = True  # queued builds start at once (the queue item names their number)
        self.broken = False  # answer 500 to everything
        self.delay = 0.0  # seconds each request waits before it is answered (requests overlap meanwhile)
        self.lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> FakeJenkins:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def put(self, path: str, item: FakeJob | FakeFolder) -> Any:
        """Place ``item`` at ``a/b/c`` (the folders must exist)."""
        *parents, name = path.split("/")
        folder = self.root
        for part in parents:
            child = folder.children[part]
            assert isinstance(child, FakeFolder)
            folder = child
        folder.children[name] = item
        return item

    def remove(self, path: str) -> None:
        *parents, name = path.split("/")
        folder = self.root
        for part in parents:
            child = folder.children[part]
            assert isinstance(child, FakeFolder)
            folder = child
        del folder.children[name]

    def find(self, parts: list[str]) -> FakeJob | FakeFolder | None:
        item: FakeJob | FakeFolder = self.root
        for part in parts:
            if not isinstance(item, FakeFolder) or part not in item.children:
                return None
            item = item.children[part]
        return item

    def job_url(self, parts: list[str]) -> str:
        return self.url + "".join(f"job/{quote(p, safe='')}/" for p in parts)

    def job_json(self, parts: list[str]) -> dict[str, Any]:
        """One job's entry, as ``job/.../api/json?tree=name,url,lastBuild[number],...`` answers."""
        parent = self.find(parts[:-1])
        assert isinstance(parent, FakeFolder)
        return next(entry for entry in self.jobs_json(parent, parts[:-1], 1) if entry["name"] == parts[-1])

    def jobs_json(self, folder: FakeFolder, parts: list[str], depth: int) -> list[dict[str, Any]]:
        listed = []
        for name, item in folder.children.items():
            entry: dict[str, Any] = {"_class": item.cls, "name": name, "url": self.job_url([*parts, name])}
            if isinstance(item, FakeFolder):
                if depth > 1:
                    entry["jobs"] = self.jobs_json(item, [*parts, name], depth - 1)
            else:
                numbers = sorted(item.builds)
                entry["lastBuild"] = (
                    {"_class": "hudson.model.FreeStyleBuild", "number": numbers[-1]} if numbers else None
                )
                entry["firstBuild"] = (
                    {"_class": "hudson.model.FreeStyleBuild", "number": numbers[0]} if numbers else None
                )
                if item.cls == FREESTYLE:
                    entry["assignedLabel"] = (
                        {"_class": "hudson.model.labels.LabelAtom", "name": item.label} if item.label else None
                    )
            listed.append(entry)
        return listed


def _handler(fake: FakeJenkins) -> type[BaseHTTPRequestHandler]:  # noqa: C901 (one branch per documented endpoint)
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # Jenkins (Jetty) keeps connections alive; every answer sets Content-Length

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK (40 ms) on a kept-alive connection.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 (the tests read requests, not logs)
            return

        def _send(
            self,
            status: int,
            body: bytes = b"",
            headers: dict[str, str] | None = None,
            kind: str = "application/json;charset=utf-8",
        ) -> None:
            self.send_response(status)
            self.send_header("X-Jenkins", "2.462.3")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, value: Any) -> None:
            self._send(200, json.dumps(value).encode())

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"{fake.user}:{fake.token}".encode()).decode()
            if header != expected:
                self._send(
                    401,
                    b"<html>Invalid password/token for user</html>",
                    {"WWW-Authenticate": 'Basic realm="Jenkins"'},
                    "text/html",
                )
                return False
            return True

        def do_GET(self) -> None:
            if fake.delay:
                time.sleep(fake.delay)  # a real Jenkins is not instant: the wait overlaps other requests'
            with fake.lock:
                fake.requests.append(("GET", self.path))
                if fake.broken:
                    self._send(500, b"<html>Oops</html>", kind="text/html")
                    return
                if not self._authorised():
                    return
                self._get()

        def do_POST(self) -> None:
            if fake.delay:
                time.sleep(fake.delay)
            with fake.lock:
                fake.requests.append(("POST", self.path))
                if not self._authorised():
                    return
                self._post()

        def _split(self) -> tuple[list[str], list[str], dict[str, str]]:
            url = urlsplit(self.path)
            segments = [unquote(s) for s in url.path.strip("/").split("/") if s]
            parts = []
            while len(segments) >= 2 and segments[0] == "job":
                parts.append(segments[1])
                segments = segments[2:]
            return parts, segments, dict(parse_qsl(url.query))

        def _get(self) -> None:  # noqa: C901, PLR0911, PLR0912 (one branch per documented endpoint)
            parts, rest, query = self._split()
            if rest == ["crumbIssuer", "api", "json"] and not parts:
                if not fake.csrf:
                    self._send(404, b"<html>Not Found</html>", kind="text/html")
                    return
                self._json(
                    {
                        "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                        "crumb": "c0ffee",
                        "crumbRequestField": "Jenkins-Crumb",
                    }
                )
                return
            if len(rest) == 5 and rest[:2] == ["queue", "item"] and not parts:
                item = fake.queue.get(int(rest[2]))
                if item is None:
                    self._send(404, b"", kind="text/html")
                else:
                    self._json(item)
                return
            item = fake.find(parts)
            if item is None:
                self._send(404, b"<html>Not Found</html>", kind="text/html")
                return
            tree = query.get("tree", "")
            if rest == ["api", "json"]:
                if isinstance(item, FakeFolder):
                    depth = tree.count("jobs[")
                    self._json({"_class": item.cls, "jobs": fake.jobs_json(item, parts, depth)})
                    return
                if "allBuilds" not in tree:  # one job's own fields (tree=name,url,lastBuild[number],...)
                    self._json(fake.job_json(parts))
                    return
                numbers = sorted(item.builds, reverse=True)
                bounds = _RANGE.search(tree)
                start, end = (int(bounds.group(1) or 0), int(bounds.group(2) or len(numbers))) if bounds else (0, 100)
                url = fake.job_url(parts)
                self._json({"_class": item.cls, "allBuilds": [item.builds[n].json(url) for n in numbers[start:end]]})
                return
            if not isinstance(item, FakeJob) or not rest or not rest[0].isdigit() or int(rest[0]) not in item.builds:
                self._send(404, b"<html>Not Found</html>", kind="text/html")
                return
            build = item.builds[int(rest[0])]
            if rest[1:] == ["api", "json"]:
                self._json(build.json(fake.job_url(parts)))
            elif rest[1:] == ["wfapi", "describe"] and item.cls == PIPELINE and build.stages is not None:
                self._json(
                    {
                        "id": str(build.number),
                        "name": f"#{build.number}",
                        "status": "IN_PROGRESS" if build.building else "SUCCESS",
                        "startTimeMillis": build.timestamp,
                        "durationMillis": build.duration,
                        "queueDurationMillis": 4000,
                        "stages": build.stages,
                    }
                )
            elif rest[1:] == ["logText", "progressiveText"]:
                start = int(query.get("start", "0"))
                headers = {"X-Text-Size": str(len(build.log))}
                if build.building:
                    headers["X-More-Data"] = "true"
                self._send(200, build.log[start:], headers, "text/plain;charset=utf-8")
            else:
                self._send(404, b"<html>Not Found</html>", kind="text/html")

        def _post(self) -> None:
            parts, rest, query = self._split()
            item = fake.find(parts)
            if fake.csrf and self.headers.get("Jenkins-Crumb") != "c0ffee":
                self._send(403, b"<html>No valid crumb was included in the request</html>", kind="text/html")
                return
            if not isinstance(item, FakeJob) or rest not in (["buildWithParameters"], ["build"]):
                self._send(404, b"", kind="text/html")
                return
            fake.triggered.append(("/".join(parts), query, {"crumb": self.headers.get("Jenkins-Crumb", "")}))
            queue_id = 699 + len(fake.triggered)
            entry: dict[str, Any] = {
                "_class": "hudson.model.Queue$WaitingItem",
                "id": queue_id,
                "inQueueSince": T0,
                "executable": None,
            }
            if fake.start_queued:
                number = max(item.builds, default=0) + 1
                item.add(
                    FakeBuild(
                        number,
                        building=True,
                        queue_id=queue_id,
                        parameters=query,
                        timestamp=T0 + 5000,
                        log=b"Started\n",
                    )
                )
                entry = {
                    "_class": "hudson.model.Queue$LeftItem",
                    "id": queue_id,
                    "inQueueSince": T0,
                    "cancelled": False,
                    "executable": {
                        "_class": "hudson.model.FreeStyleBuild",
                        "number": number,
                        "url": f"{fake.job_url(parts)}{number}/",
                    },
                }
            fake.queue[queue_id] = entry
            self._send(201, b"", {"Location": f"{fake.url}queue/item/{queue_id}/"}, "text/html")

    return Handler

"""The access line: written straight to the JSON handler's stream when it alone would get it, else through logging."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prometheus_client import CollectorRegistry

from ghee.http import logs
from ghee.http.logs import configure_logging, log_access, request_id
from ghee.http.metrics import HttpMetrics
from ghee.http.observe import RequestObserver

FIELDS: dict[str, object] = {
    "message": "request",
    "method": "GET",
    "route": "/v2/posts/{slug:str}",
    "path": "/v2/posts/caf\u00e9/",
    "status": 200,
    "duration_ms": 1.25,
    "token_id": "tok_abcdefgh",
}


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """What ``configure_logging``'s handler writes; the ``ghee`` loggers are put back as they were afterwards."""
    ghee = logging.getLogger("ghee")
    saved = ghee.handlers[:], ghee.level, ghee.propagate, logging.logThreads, logging.logProcesses
    configure_logging()
    written = io.StringIO()
    _json_handler().setStream(written)
    yield written
    ghee.handlers[:], ghee.level, ghee.propagate, logging.logThreads, logging.logProcesses = saved


def _json_handler() -> logging.StreamHandler[io.StringIO]:
    (handler,) = [each for each in logging.getLogger("ghee").handlers if isinstance(each, logs._JsonHandler)]
    return handler


@contextmanager
def alone() -> Iterator[None]:
    """Leave ``configure_logging``'s handler alone on ``ghee``, as in a server.

    Pytest attaches its capturing handler to the non-propagating loggers
    while a test runs, which sends the access line through logging.
    """
    ghee = logging.getLogger("ghee")
    saved = ghee.handlers[:]
    ghee.handlers[:] = [_json_handler()]
    try:
        yield
    finally:
        ghee.handlers[:] = saved


class Capture(logging.Handler):
    """A test's handler, as ``caplog`` attaches one."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("created", [1_800_000_000.0, 1_800_000_000.25, 1_800_000_059.9995])
def test_the_direct_line_is_the_line_logging_writes(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch, created: float
) -> None:
    monkeypatch.setattr(time, "time", lambda: created)
    reset = request_id.set("0123456789abcdef")
    try:
        with alone():
            assert logs._direct_handler() is not None
            log_access(FIELDS)
        logs.access_log.addFilter(lambda _: True)  # a filter sends the record through logging
        try:
            assert logs._direct_handler() is None
            log_access(FIELDS)
            logs.access_log.info(FIELDS)  # and what the plain logging call writes
        finally:
            logs.access_log.filters.clear()
    finally:
        request_id.reset(reset)
    direct, through_logging, logged = stream.getvalue().splitlines(keepends=True)
    assert direct == through_logging == logged  # byte for byte, the line's end included
    assert list(json.loads(direct)) == ["time", "level", "logger", *FIELDS, "request_id"]


def test_a_line_outside_a_request_has_no_request_id(stream: io.StringIO) -> None:
    with alone():
        log_access(FIELDS)
    assert "request_id" not in json.loads(stream.getvalue())


def test_another_handler_gets_the_record_too(stream: io.StringIO) -> None:
    capture = Capture()
    with alone():
        logs.access_log.addHandler(capture)
        try:
            log_access(FIELDS)
        finally:
            logs.access_log.removeHandler(capture)
    assert [record.msg for record in capture.records] == [FIELDS]
    assert json.loads(stream.getvalue())["route"] == FIELDS["route"]


def test_nothing_is_written_above_info(stream: io.StringIO) -> None:
    logs.access_log.setLevel(logging.WARNING)
    try:
        with alone():
            log_access(FIELDS)
    finally:
        logs.access_log.setLevel(logging.NOTSET)
    assert stream.getvalue() == ""


class BrokenStream(io.StringIO):
    def write(self, _: str) -> int:
        raise OSError("the pipe is gone")


def test_a_failed_write_is_reported_not_raised(stream: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    _json_handler().setStream(BrokenStream())
    with alone():
        log_access(FIELDS)  # as StreamHandler.emit: the request does not fail
    assert "the pipe is gone" in capsys.readouterr().err
    assert stream.getvalue() == ""


async def _answer(scope: dict[str, object], receive: object, send: object) -> None:
    status = 404 if scope["path"] == "/missing" else 200
    await send({"type": "http.response.start", "status": status, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"{}"})  # type: ignore[operator]


def _serve(access: str, paths: list[str]) -> list[list[tuple[bytes, bytes]]]:
    """Each path's response headers, through a ``RequestObserver`` in ``access`` mode."""
    observer = RequestObserver(_answer, HttpMetrics(CollectorRegistry()), access)  # type: ignore[arg-type]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def run() -> None:
        for path in paths:
            scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "headers": []}
            if path != "/missing":
                scope["path_template"] = path
            await observer(scope, receive, send)  # type: ignore[arg-type]

    asyncio.run(run())
    return [message["headers"] for message in sent if message["type"] == "http.response.start"]  # type: ignore[misc]


@pytest.mark.parametrize(("access", "logged"), [("on", ["/found", "/missing"]), ("errors", ["/missing"]), ("off", [])])
def test_the_access_modes(stream: io.StringIO, access: str, logged: list[str]) -> None:
    with alone():
        headers = _serve(access, ["/found", "/missing", "/healthz"])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["path"] for line in lines] == logged
    ids = [dict(each)[b"x-request-id"].decode() for each in headers]
    assert [line["request_id"] for line in lines] == [ids[["/found", "/missing"].index(path)] for path in logged]

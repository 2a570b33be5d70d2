"""JSON log lines on standard error, each carrying the id of the request being served.

Every record of the ``ghee`` loggers becomes one JSON object per line:
``time``, ``level``, ``logger``, ``message``, ``request_id`` (when logged
while serving a request), ``exc`` (the traceback, for errors) and, for the
access log, the request's fields. The request id travels in a context
variable, so an error logged deep in a handler carries it too.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

import msgspec

request_id: ContextVar[str | None] = ContextVar("ghee_request_id", default=None)
"""The id of the request this task serves (``X-Request-ID``), if any."""

access_log = logging.getLogger("ghee.access")


def log_access(fields: dict[str, object]) -> None:
    """Write one access line (``fields`` merged into it), at INFO on ``ghee.access``.

    Builds the record directly: ``Logger.info`` would first walk the stack to
    find the caller's file and line, which the access line does not report.
    """
    if access_log.isEnabledFor(logging.INFO):
        access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, "", 0, fields, (), None))


_encode = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a record whose message is a dict has its fields merged in."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        # Formatting a timestamp costs microseconds; within one second only the milliseconds change.
        second = int(created)
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if isinstance(record.msg, dict):
            line.update(record.msg)
        else:
            line["message"] = record.getMessage()
        rid = request_id.get()
        if rid is not None:
            line.setdefault("request_id", rid)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _encode(line).decode()


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler ``configure_logging`` installed, so a second call replaces it."""


def configure_logging() -> None:
    """Send the ``ghee`` loggers' records, INFO and up, to standard error as JSON lines."""
    logger = logging.getLogger("ghee")
    for handler in [h for h in logger.handlers if isinstance(h, _JsonHandler)]:
        logger.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # The JSON lines name no thread or process; not looking them up saves a third of a record's cost.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False

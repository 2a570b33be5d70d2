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

_encode = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a record whose message is a dict has its fields merged in."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
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

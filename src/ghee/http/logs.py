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
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import cast

import msgspec

request_id: ContextVar[str | None] = ContextVar("ghee_request_id", default=None)
"""The id of the request this task serves (``X-Request-ID``), if any."""

access_log = logging.getLogger("ghee.access")


def log_access(fields: dict[str, object]) -> None:
    """Write one access line (``fields`` merged into it), at INFO on ``ghee.access``.

    The line goes straight to the stream when ``configure_logging``'s handler
    is the only one the record would reach (``_direct_handler``): a
    ``LogRecord``, its trip through the logger hierarchy and the handler's
    second lock cost much of a line's time (measured: see bench/README.md,
    section "micro.py"). Otherwise (a test's capturing handler, a filter) the
    record takes the logging path, built
    directly: ``Logger.info`` would first walk the stack to find the caller's
    file and line, which the access line does not report.
    """
    if not access_log.isEnabledFor(logging.INFO):
        return
    handler = _direct_handler()
    if handler is None:
        access_log.handle(_access_record(fields))
    else:
        handler.write_access(fields)


def _access_record(fields: dict[str, object]) -> logging.LogRecord:
    return access_log.makeRecord(access_log.name, logging.INFO, "", 0, fields, (), None)


def _direct_handler() -> _JsonHandler | None:
    """The handler an access record would reach, when it is the only one and nothing else could see the record.

    Mirrors ``Logger.handle`` and ``Logger.callHandlers``: the record would
    pass ``ghee.access`` (not disabled, no filters), then the handlers of it
    and its ancestors up to the first that does not propagate. Only a lone
    ``_JsonHandler`` with no filters, a level letting INFO through and a
    ``JsonFormatter`` writes exactly what ``_JsonHandler.write_access`` writes.
    Checked per line (a small part of what it saves), so handlers added or removed later are obeyed.
    """
    if access_log.disabled or access_log.filters:
        return None
    found: logging.Handler | None = None
    logger: logging.Logger | None = access_log
    while logger is not None:
        for handler in logger.handlers:
            if found is not None:
                return None
            found = handler
        logger = logger.parent if logger.propagate else None
    if (
        type(found) is _JsonHandler
        and not found.filters
        and found.level <= logging.INFO
        and type(found.formatter) is JsonFormatter
    ):
        return found
    return None


_encode = msgspec.json.Encoder().encode
_MILLISECONDS = tuple(f"{millisecond:03d}Z" for millisecond in range(1001))
"""A timestamp's ``123Z`` ending by its milliseconds (1000 too, should a float ever round up to it)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a record whose message is a dict has its fields merged in."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        # Formatting a timestamp is slow; within one second only the milliseconds change, and those
        # are looked up rather than formatted (measured: see bench/README.md, section "micro.py").
        second = int(created)
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            self._second = second
        return self._second_text + _MILLISECONDS[int((created - second) * 1000)]

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
        _add_request_id(line)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _encode(line).decode()

    def format_access(self, created: float, fields: dict[str, object]) -> str:
        """What ``format`` makes of ``log_access(fields)``'s record created at ``created``, without the record."""
        line: dict[str, object] = {
            "time": self._time(created),
            "level": logging.getLevelName(logging.INFO).lower(),
            "logger": access_log.name,
            **fields,
        }
        _add_request_id(line)
        return _encode(line).decode()


def _add_request_id(line: dict[str, object]) -> None:
    rid = request_id.get()
    if rid is not None:
        line.setdefault("request_id", rid)


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler ``configure_logging`` installed, so a second call replaces it."""

    def write_access(self, fields: dict[str, object]) -> None:
        """What ``handle`` and ``emit`` do with ``log_access(fields)``'s record, without making one.

        ``_direct_handler`` checked there are no filters and the formatter is
        a ``JsonFormatter``. A failed write is reported like ``emit`` reports
        it (``handleError``, with the record made then).
        """
        created = time.time()
        formatter = cast("JsonFormatter", self.formatter)
        self.acquire()
        try:
            stream = self.stream
            stream.write(formatter.format_access(created, fields) + self.terminator)
            if hasattr(stream, "flush"):  # as StreamHandler.flush, without taking the lock a second time
                stream.flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - as logging.StreamHandler.emit: a log line must not fail the request
            self.handleError(_access_record(fields))
        finally:
            self.release()


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
    # The JSON lines name no thread or process; not looking them up saves part of a record's cost
    # (measured: see bench/README.md, section "micro.py").
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False

"""Prometheus metrics: requests counted per route template, and the work queues read from the database.

Request metrics are kept by ``prometheus_client`` in each worker. When
``PROMETHEUS_MULTIPROC_DIR`` is set (``ghee serve`` sets it), every worker
writes them to its own files there and a scrape on any worker adds up all
workers' files. The queue, delivery and sync figures are not counted by the
workers: ``DatabaseCollector`` reads them from the database when scraped,
at most once per ``DATABASE_TTL`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import msgspec
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ghee.clock import utcnow
from ghee.db.reads import as_datetime
from ghee.db.tables import connections, event_queue, webhook_attempts, webhook_deliveries
from ghee.http.metrics import AnswerMetrics, HttpMetrics

DATABASE_TTL = 5.0
"""Seconds a database reading serves scrapes before it is read again."""
DATABASE_TIMEOUT = 3.0
"""Seconds a reading may take; a scrape then reports ``ghee_database_up 0`` rather than hang."""


class DatabaseReading(msgspec.Struct, frozen=True):
    """The queue, delivery and sync figures at one moment."""

    events_queued: int
    deliveries_pending: int
    deliveries_dead: int
    attempts_failed: int
    last_syncs: list[tuple[str, datetime | None]]
    read_at: datetime
    table_rows: dict[str, int] = msgspec.field(default_factory=dict)


async def read_database(engine: AsyncEngine) -> DatabaseReading:
    """Count the pending work and failures; raises ``SQLAlchemyError`` or ``OSError`` when the database is down."""
    by_state = sa.select(webhook_deliveries.c.state, sa.func.count()).group_by(webhook_deliveries.c.state)
    failed = sa.select(sa.func.count()).where(
        sa.or_(
            webhook_attempts.c.status_code.is_(None),
            webhook_attempts.c.status_code < 200,  # noqa: PLR2004
            webhook_attempts.c.status_code >= 300,  # noqa: PLR2004
        )
    )
    async with engine.connect() as conn:
        table_rows = await _table_rows(conn)
        states: dict[str, int] = dict((await conn.execute(by_state)).tuples().all())
        queued = await conn.scalar(sa.select(sa.func.count()).select_from(event_queue))
        attempts_failed = await conn.scalar(failed.select_from(webhook_attempts))
        syncs = (await conn.execute(sa.select(connections.c.name, connections.c.last_sync_at))).tuples().all()
    return DatabaseReading(
        events_queued=queued or 0,
        deliveries_pending=states.get("pending", 0),
        deliveries_dead=states.get("dead", 0),
        attempts_failed=attempts_failed or 0,
        last_syncs=[(name, as_datetime(at)) for name, at in syncs],
        read_at=utcnow(),
        table_rows=table_rows,
    )


GROWING_TABLES = ("events", "webhook_deliveries", "webhook_attempts")
"""The tables retention keeps in check (``ghee.delivery.retention``), whose sizes ``/metrics`` shows."""


async def _table_rows(conn: AsyncConnection) -> dict[str, int]:
    """Rows in each of ``GROWING_TABLES``: counted, or on PostgreSQL past ``COUNTED_UP_TO`` the planner's estimate."""
    estimates: dict[str, int] = {}
    if conn.dialect.name == "postgresql":
        estimate = sa.text("SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(:names)")
        estimates = dict((await conn.execute(estimate, {"names": list(GROWING_TABLES)})).tuples().all())
    rows = {}
    for name in GROWING_TABLES:
        if estimates.get(name, -1) > COUNTED_UP_TO:  # -1: never analysed yet
            rows[name] = estimates[name]
        else:
            rows[name] = await conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) or 0
    return rows


COUNTED_UP_TO = 100_000
"""Past this many rows a PostgreSQL table's size is the planner's estimate: a count would scan it every scrape."""


class DatabaseCollector(Collector):
    """Reports the last ``DatabaseReading`` as gauges; ``refresh`` reads a new one when it is stale."""

    def __init__(self) -> None:
        self.reading: DatabaseReading | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def refresh(self, engine: AsyncEngine) -> None:
        """Read the database unless the last reading is fresher than ``DATABASE_TTL``; keep it if that fails."""
        async with self._lock:
            if time.monotonic() - self._read_at < DATABASE_TTL:
                return
            try:
                async with asyncio.timeout(DATABASE_TIMEOUT):
                    self.reading = await read_database(engine)
            except (OSError, TimeoutError, SQLAlchemyError):
                self.reading = None  # a scrape then shows ghee_database_up 0 and no stale figures
            self._read_at = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        reading = self.reading
        yield GaugeMetricFamily(
            "ghee_database_up", "1 when the last reading of the database succeeded.", value=int(reading is not None)
        )
        if reading is None:
            return
        yield GaugeMetricFamily(
            "ghee_event_queue_depth", "Events not yet fanned out to webhooks.", value=reading.events_queued
        )
        yield GaugeMetricFamily(
            "ghee_webhook_deliveries_pending",
            "Webhook deliveries waiting to be sent or retried.",
            value=reading.deliveries_pending,
        )
        yield GaugeMetricFamily(
            "ghee_webhook_deliveries_dead",
            "Webhook deliveries given up after their last attempt.",
            value=reading.deliveries_dead,
        )
        yield GaugeMetricFamily(
            "ghee_webhook_attempts_failed",
            "Webhook delivery attempts answered with a non-2xx status or not answered.",
            value=reading.attempts_failed,
        )
        lag = GaugeMetricFamily(
            "ghee_sync_lag_seconds",
            "Seconds since each Jenkins connection's last successful sync.",
            labels=["connection"],
        )
        lags = [(name, (reading.read_at - at).total_seconds()) for name, at in reading.last_syncs if at is not None]
        for name, seconds in lags:
            lag.add_metric([name], seconds)
        yield lag
        yield GaugeMetricFamily(
            "ghee_sync_lag_max_seconds",
            "The largest ghee_sync_lag_seconds (0 without any synced connection).",
            value=max((seconds for _, seconds in lags), default=0.0),
        )
        rows = GaugeMetricFamily(
            "ghee_table_rows",
            "Rows in the tables retention keeps in check (PostgreSQL: the planner's estimate).",
            labels=["table"],
        )
        for name, count in sorted(reading.table_rows.items()):
            rows.add_metric([name], count)
        yield rows
        yield GaugeMetricFamily(
            "ghee_sync_never_synced",
            "Jenkins connections without any successful sync yet.",
            value=sum(1 for _, at in reading.last_syncs if at is None),
        )


class Metrics(msgspec.Struct, frozen=True):
    """What the app counts and the registry a scrape reads."""

    http: HttpMetrics
    answers: AnswerMetrics
    database: DatabaseCollector
    exposition: CollectorRegistry


def create_metrics(multiprocess_dir: str | None) -> Metrics:
    """The app's metrics: in ``multiprocess_dir`` when given (every worker's), else in this process alone."""
    database = DatabaseCollector()
    exposition = CollectorRegistry(auto_describe=False)
    if multiprocess_dir and Path(multiprocess_dir).is_dir():
        # The values live in files; MultiProcessCollector adds them up.
        http, answers = HttpMetrics(registry=None), AnswerMetrics(registry=None)
        MultiProcessCollector(exposition, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    else:
        http, answers = HttpMetrics(registry=exposition), AnswerMetrics(registry=exposition)
    exposition.register(database)
    return Metrics(http=http, answers=answers, database=database, exposition=exposition)

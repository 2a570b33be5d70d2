"""What the HTTP layer counts: requests per route template, and reads answered from kept answers.

``ghee.ops.metrics`` gathers these with the database's figures for ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"
"""The ``route`` label of a request no route matched (a 404 or a malformed path)."""

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LABELS = ("method", "route", "status")


class HttpMetrics:
    """Counts requests and their durations by method, route template and status class (``2xx``)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter("ghee_http_requests", "HTTP requests answered.", _LABELS, registry=registry)
        self.duration = Histogram(
            "ghee_http_request_duration_seconds",
            "Time from receiving a request to the end of its response.",
            _LABELS,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # The labelled children, looked up once per (method, route, status class): labels() takes a lock.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (method, route, status // 100)
        children = self._children.get(key)
        if children is None:
            labels = (method if method in _METHODS else "OTHER", route, f"{status // 100}xx")
            children = self._children[key] = (self.requests.labels(*labels), self.duration.labels(*labels))
        children[0].inc()
        children[1].observe(seconds)


class AnswerMetrics:
    """Counts the reads of routes whose answers are kept (``ghee.http.answers``): ``hit`` or ``miss``.

    A ``hit`` was answered from memory; a ``miss`` ran the route (first asked,
    or the database changed since) and its answer was kept.
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        counter = Counter(
            "ghee_kept_answers",
            "Reads of routes whose answers are kept: hit (answered from memory) or miss (the route ran).",
            ["outcome"],
            registry=registry,
        )
        self.hit = counter.labels("hit")
        self.miss = counter.labels("miss")

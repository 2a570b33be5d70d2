"""How webhooks are delivered: read once from ``GHEE_WEBHOOK_*`` and ``GHEE_WORKER_*`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Standard Webhooks' example schedule: the first attempt now, then retries after
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h.
DEFAULT_SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0)


def _schedule(text: str | None) -> tuple[float, ...]:
    if not text:
        return DEFAULT_SCHEDULE
    delays = tuple(float(part) for part in text.split(",") if part.strip())
    if not delays or any(delay < 0 for delay in delays):
        msg = "GHEE_WEBHOOK_RETRY_SCHEDULE must list non-negative seconds, e.g. '0,5,300'"
        raise ValueError(msg)
    return delays


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """Webhook delivery and background-worker configuration."""

    retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    """Seconds before each attempt, counted from the previous failure (the first from the event)."""

    allow_private: bool = False
    """Let targets resolve to loopback, link-local or private addresses (for tests and closed networks)."""

    timeout_seconds: float = 10.0
    """How long one attempt may take: connect, send and read the response."""

    lease_seconds: float = 60.0
    """How long a claimed delivery stays with its worker; past it (worker killed), another may take it."""

    poll_seconds: float = 0.2
    """How long an idle loop sleeps before looking for work again."""

    batch: int = 100
    """Events fanned out, or deliveries claimed, per transaction."""

    concurrency: int = 32
    """Deliveries one worker has in flight at once."""

    in_process: str = "auto"
    """Run the loops inside ``ghee serve``: ``auto`` (on SQLite only), ``1`` or ``0``."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DeliverySettings:
        """Read the settings from ``env``; raises ``ValueError`` for a malformed value."""
        return cls(
            retry_schedule=_schedule(env.get("GHEE_WEBHOOK_RETRY_SCHEDULE")),
            allow_private=_flag(env.get("GHEE_WEBHOOK_ALLOW_PRIVATE")),
            timeout_seconds=float(env.get("GHEE_WEBHOOK_TIMEOUT") or 10.0),
            lease_seconds=float(env.get("GHEE_WEBHOOK_LEASE_SECONDS") or 60.0),
            poll_seconds=float(env.get("GHEE_WORKER_POLL_SECONDS") or 0.2),
            batch=int(env.get("GHEE_WEBHOOK_BATCH") or 100),
            concurrency=int(env.get("GHEE_WEBHOOK_CONCURRENCY") or 32),
            in_process=(env.get("GHEE_WORKER_IN_PROCESS") or "auto").strip().lower(),
        )

    def runs_in_process(self, database_url: str) -> bool:
        """Whether ``ghee serve`` runs the background loops itself for this database."""
        if self.in_process == "auto":
            return database_url.startswith("sqlite")
        return _flag(self.in_process)

"""One Settings object, read once from ``GHEE_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from ghee.core.media_settings import MediaSettings
from ghee.delivery.settings import DeliverySettings

DEFAULT_DATABASE_URL = "sqlite:///./data/ghee.db"
DEFAULT_RATE_LIMIT = "60/minute;10/second"
DEFAULT_CACHE_CONTROL = "private, no-cache"
DEFAULT_MEDIA_DIR = "./data/media"
DEFAULT_SYNC_INTERVAL = 60
DEFAULT_LOGIN_RATE_LIMIT = "10/minute;100/hour"
ACCESS_LOG_MODES = ("on", "off", "errors")
DEFAULT_ACCESS_LOG = "on"
DEFAULT_ANSWER_CACHE_MB = 16
ARGON2_COSTS = ("standard", "minimal")


@dataclass(frozen=True, slots=True)
class Settings:
    """Process-wide configuration."""

    database_url: str = DEFAULT_DATABASE_URL
    """Where the data lives: ``sqlite:///path`` or ``postgresql://user@host/db``."""

    redis_url: str | None = None
    """When set, rate-limit counters live in Redis and are shared by every process."""

    rate_limit: str = DEFAULT_RATE_LIMIT
    """Default per-token rate limit, ``limits`` notation joined by ``;``."""

    cache_control: str = DEFAULT_CACHE_CONTROL
    """``Cache-Control`` of content reads (``/v2``); the default lets clients keep a copy but revalidate it."""

    media_dir: str = DEFAULT_MEDIA_DIR
    """Where uploaded images and their renderings are kept."""

    media: MediaSettings = field(default_factory=MediaSettings)
    """What renderings may cost: disk, threads, time and rate (``GHEE_MEDIA_RENDER_*``)."""

    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    """Webhook delivery and the background worker (``GHEE_WEBHOOK_*``, ``GHEE_WORKER_*``)."""

    secret_key: str | None = None
    """Fernet key sealing Jenkins tokens at rest; when unset, one is kept in ``secret_key_file``."""

    secret_key_file: str | None = None
    """Where a generated key is kept; by default ``secret.key`` next to the SQLite file, else in ``./data``."""

    sync_interval: int = DEFAULT_SYNC_INTERVAL
    """Seconds between two sync passes of a Jenkins connection (failures back off from it)."""

    secure_cookies: bool = False
    """Mark the dashboard's cookies ``Secure`` even on plain-HTTP requests (behind a TLS-terminating proxy)."""

    login_rate_limit: str = DEFAULT_LOGIN_RATE_LIMIT
    """Sign-in attempts allowed per client address and e-mail, ``limits`` notation joined by ``;``."""
    access_log: str = DEFAULT_ACCESS_LOG
    """Which requests get a JSON access line: ``on`` (all), ``errors`` (status 400 and up) or ``off``."""

    answer_cache_mb: int = DEFAULT_ANSWER_CACHE_MB
    """Megabytes of read answers each process keeps while the database is unchanged (0: none kept)."""

    metrics_token: str | None = None
    """When set, ``/metrics`` answers only requests bearing ``Authorization: Bearer <this>``."""

    metrics_dir: str | None = None
    """``PROMETHEUS_MULTIPROC_DIR``: where every worker's metric files are kept (``ghee serve`` sets it)."""

    argon2_cost: str = "standard"
    """argon2 parameters of new password hashes: ``standard``, or ``minimal`` for test suites only (never in use)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read the settings from the environment (or the mapping given)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("GHEE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("GHEE_REDIS_URL") or None,
            rate_limit=env.get("GHEE_RATE_LIMIT") or DEFAULT_RATE_LIMIT,
            cache_control=env.get("GHEE_CACHE_CONTROL") or DEFAULT_CACHE_CONTROL,
            media_dir=env.get("GHEE_MEDIA_DIR") or DEFAULT_MEDIA_DIR,
            media=MediaSettings.from_env(env),
            delivery=DeliverySettings.from_env(env),
            secret_key=env.get("GHEE_SECRET_KEY") or None,
            secret_key_file=env.get("GHEE_SECRET_KEY_FILE") or None,
            sync_interval=int(env.get("GHEE_SYNC_INTERVAL") or DEFAULT_SYNC_INTERVAL),
            secure_cookies=env.get("GHEE_SECURE_COOKIES", "") in {"1", "true", "yes"},
            login_rate_limit=env.get("GHEE_LOGIN_RATE_LIMIT") or DEFAULT_LOGIN_RATE_LIMIT,
            access_log=_access_log_mode(env.get("GHEE_ACCESS_LOG") or DEFAULT_ACCESS_LOG),
            answer_cache_mb=_answer_cache_mb(env.get("GHEE_ANSWER_CACHE_MB")),
            metrics_token=env.get("GHEE_METRICS_TOKEN") or None,
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            argon2_cost=_argon2_cost(env.get("GHEE_ARGON2_COST") or "standard"),
        )


def _answer_cache_mb(value: str | None) -> int:
    if value is None or not value.strip():
        return DEFAULT_ANSWER_CACHE_MB
    try:
        megabytes = int(value)
    except ValueError:
        megabytes = -1
    if megabytes < 0:
        raise ValueError(f"GHEE_ANSWER_CACHE_MB must be a whole number of megabytes, 0 or more, not {value!r}")
    return megabytes


def _access_log_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in ACCESS_LOG_MODES:
        raise ValueError(f"GHEE_ACCESS_LOG must be one of {', '.join(ACCESS_LOG_MODES)}, not {value!r}")
    return mode


def _argon2_cost(value: str) -> str:
    if value not in ARGON2_COSTS:
        raise ValueError(f"GHEE_ARGON2_COST must be one of {', '.join(ARGON2_COSTS)}, not {value!r}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read on first use."""
    return Settings.from_env()

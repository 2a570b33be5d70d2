"""One Settings object, read once from ``GHEE_*`` environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlsplit

from cryptography.fernet import Fernet

DEFAULT_DATABASE_URL = "sqlite:///./data/ghee.db"
DEFAULT_RATE_LIMIT = "60/minute;10/second"
DEFAULT_CACHE_CONTROL = "private, no-cache"
DEFAULT_MEDIA_DIR = "./data/media"
DEFAULT_SYNC_INTERVAL = 60
DEFAULT_LOGIN_RATE_LIMIT = "10/minute;100/hour"
DEFAULT_LOGIN_CLIENT_RATE_LIMIT = "30/minute;300/hour"
ACCESS_LOG_MODES = ("on", "off", "errors")
DEFAULT_ACCESS_LOG = "on"
DEFAULT_ANSWER_CACHE_MB = 16
ARGON2_COSTS = ("standard", "minimal")


# Media renderings (GHEE_MEDIA_RENDER_*)

DEFAULT_RENDER_CACHE_MB = 512
DEFAULT_RENDER_RATE_LIMIT = "60/minute;20/second"
DEFAULT_RENDER_THREADS = 2
DEFAULT_RENDER_SECONDS = 10.0

# Addresses (GHEE_PUBLIC_URL, GHEE_SITE_URL, GHEE_POST_URL) and public feeds (GHEE_FEEDS_*)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
DEFAULT_POST_PATH = "/blog/{slug}"
DEFAULT_FEEDS_RATE_LIMIT = "120/minute;10/second"


ENVIRONMENT = (
    ("GHEE_DATABASE_URL", f"sqlite:///path or postgresql://user@host/db (default {DEFAULT_DATABASE_URL})"),
    ("GHEE_DATABASE_IDLE_CONNECTIONS", "PostgreSQL connections each pool keeps open idle (5)"),
    ("GHEE_REDIS_URL", "redis://... for rate-limit counters shared by many processes"),
    ("GHEE_SECRET_KEY", "Fernet key sealing stored secrets (else one kept in a file)"),
    ("GHEE_SECRET_KEY_FILE", "where that generated key is kept"),
    ("GHEE_PUBLIC_URL", "ghee's own address, for links (ghee serve sets it)"),
    ("GHEE_SITE_URL", "the public website posts and feeds link to"),
    ("GHEE_POST_URL", f"a post's path on that site ({DEFAULT_POST_PATH})"),
    ("GHEE_RATE_LIMIT", f"requests per token ({DEFAULT_RATE_LIMIT})"),
    ("GHEE_LOGIN_RATE_LIMIT", "sign-in attempts per address and e-mail"),
    ("GHEE_LOGIN_CLIENT_RATE_LIMIT", "sign-in attempts per address"),
    ("GHEE_CACHE_CONTROL", f"Cache-Control of API answers ({DEFAULT_CACHE_CONTROL})"),
    ("GHEE_ANSWER_CACHE_MB", f"read answers kept in memory per process ({DEFAULT_ANSWER_CACHE_MB})"),
    ("GHEE_ACCESS_LOG", "on, off or errors"),
    ("GHEE_METRICS_TOKEN", "bearer token /metrics asks for"),
    ("GHEE_SECURE_COOKIES", "1: Secure cookies behind a TLS proxy"),
    ("GHEE_ARGON2_COST", "standard, or minimal for test suites"),
    ("GHEE_MEDIA_DIR", f"where uploaded media are kept ({DEFAULT_MEDIA_DIR})"),
    ("GHEE_MEDIA_RENDER_CACHE_MB", "disk kept for resized images"),
    ("GHEE_MEDIA_RENDER_RATE_LIMIT", "new renderings per client address"),
    ("GHEE_MEDIA_RENDER_THREADS", "threads making renderings"),
    ("GHEE_MEDIA_RENDER_SECONDS", "time one rendering may take"),
    ("GHEE_FEEDS_PUBLIC", "0: feeds need a token"),
    ("GHEE_FEEDS_RATE_LIMIT", "feed requests per client address"),
    ("GHEE_SYNC_INTERVAL", f"seconds between Jenkins sync passes ({DEFAULT_SYNC_INTERVAL})"),
    ("GHEE_JENKINS_ALLOW_PRIVATE", "1: Jenkins may be on a private address"),
    ("GHEE_WEBHOOK_ALLOW_PRIVATE", "1: webhooks may go to private addresses"),
    ("GHEE_WEBHOOK_RETRY_SCHEDULE", "seconds between delivery attempts, e.g. 0,5,300"),
    ("GHEE_WEBHOOK_TIMEOUT", "seconds one delivery may take"),
    ("GHEE_WEBHOOK_LEASE_SECONDS", "how long a worker holds a delivery"),
    ("GHEE_WEBHOOK_BATCH", "deliveries claimed at once"),
    ("GHEE_WEBHOOK_CONCURRENCY", "deliveries in flight per worker"),
    ("GHEE_WORKER_IN_PROCESS", "auto, or 1/0: ghee serve runs the background loops"),
    ("GHEE_WORKER_POLL_SECONDS", "how often an idle worker looks for work"),
    ("GHEE_RETENTION_DAYS", "days delivered webhooks and events are kept"),
    ("GHEE_DEAD_RETENTION_DAYS", "days dead letters are kept"),
    ("GHEE_RETENTION_INTERVAL", "seconds between retention passes"),
    ("GHEE_URL", "ghee's address, for ghee p4 and ghee git hook on a depot or git server"),
    ("GHEE_TOKEN", "their write token"),
    ("GHEE_PROJECT", "their project (proj_...)"),
    ("GHEE_SPOOL_DIR", "where their changes wait while ghee cannot be reached"),
    ("GHEE_SEND_SECONDS", "how long a trigger or hook may spend sending (4)"),
)
"""Every ``GHEE_*`` variable ghee reads and what it sets, as ``ghee --help`` lists them."""


class SettingsError(ValueError):
    """A ``GHEE_*`` variable holds a value ghee cannot use; the message names it and what it takes."""


def _whole(env: Mapping[str, str], name: str, default: int, low: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < low:
        raise SettingsError(f"{name} must be a whole number, {low} or more, not {text!r}")
    return int(text)


_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")


def database_url_problem(text: str) -> str | None:
    """What is wrong with ``text`` as ghee's database URL (SQLite or PostgreSQL, parsable), or ``None``.

    The answer never repeats the URL, which may hold a password.
    """
    from sqlalchemy.engine import make_url  # noqa: PLC0415 (``ghee --help`` loads no database layer)
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    example = "sqlite:///./data/ghee.db or postgresql://user:password@host:5432/ghee"
    scheme, sep, _ = text.strip().partition("://")
    if not sep or not scheme:
        return f"is not a database URL; it takes e.g. {example}"
    if scheme.partition("+")[0].lower() not in _DATABASE_SCHEMES:
        return f"has the scheme {scheme[:20]!r}; ghee takes {example}"
    try:
        make_url(text.strip())
    except (ArgumentError, ValueError):
        return f"cannot be parsed; it takes e.g. {example}"
    return None


def _database_url(text: str) -> str:
    if problem := database_url_problem(text):
        raise SettingsError(f"GHEE_DATABASE_URL {problem}")
    return text.strip()


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise SettingsError(f"{name} must be a number of seconds above 0, not {text!r}")
    return seconds


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """Limits on making renderings (``/media/resize=.../<id>``), which anyone may ask for without a token."""

    render_cache_mb: int = DEFAULT_RENDER_CACHE_MB
    """Megabytes of renderings kept on disk under ``renders/``; the least recently used go first (0: none kept)."""

    render_rate_limit: str = DEFAULT_RENDER_RATE_LIMIT
    """New renderings each client address may ask for, ``limits`` notation joined by ``;`` (kept ones are free)."""

    render_threads: int = DEFAULT_RENDER_THREADS
    """Threads of each process that make renderings; no other request waits for them."""

    render_seconds: float = DEFAULT_RENDER_SECONDS
    """How long one rendering may take, waiting for a thread included; past it the request answers 503."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MediaSettings:
        """Read the settings from ``env``; raises ``SettingsError`` for a malformed value."""
        return cls(
            render_cache_mb=_whole(env, "GHEE_MEDIA_RENDER_CACHE_MB", DEFAULT_RENDER_CACHE_MB, 0),
            render_rate_limit=(env.get("GHEE_MEDIA_RENDER_RATE_LIMIT") or "").strip() or DEFAULT_RENDER_RATE_LIMIT,
            render_threads=_whole(env, "GHEE_MEDIA_RENDER_THREADS", DEFAULT_RENDER_THREADS, 1),
            render_seconds=_seconds(env, "GHEE_MEDIA_RENDER_SECONDS", DEFAULT_RENDER_SECONDS),
        )


def site_address_problem(text: str) -> str | None:
    """Why ``text`` cannot be a site's base address (``GHEE_SITE_URL``, a project's ``site_url``), or ``None``."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return "must be an http:// or https:// address without query or fragment"
    return None


def post_path_problem(path: str) -> str | None:
    """Why ``path`` cannot be a post URL pattern (``GHEE_POST_URL``, a project's ``post_url``), or ``None``."""
    rest = path.replace("{slug}", "", 1)
    if not path.startswith("/") or "{slug}" not in path or "{" in rest or "}" in rest or "?" in path or "#" in path:
        return "must be a path starting with '/' holding '{slug}' once"
    return None


def _base_url(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    problem = site_address_problem(text)
    if problem is not None:
        raise SettingsError(f"{name} {problem}, not {text!r}")
    return text.rstrip("/")


def _post_path(text: str | None) -> str:
    path = (text or "").strip() or DEFAULT_POST_PATH
    problem = post_path_problem(path)
    if problem is not None:
        raise SettingsError(f"GHEE_POST_URL {problem}, not {path!r}")
    return path


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """The addresses answers link to, never taken from a request's ``Host`` header, and who may read the feeds."""

    public_url: str = DEFAULT_PUBLIC_URL
    """ghee's own address (``GHEE_PUBLIC_URL``): media links, Jenkins push URLs; ``ghee serve`` defaults it."""

    site_url: str | None = None
    """The public website's address (``GHEE_SITE_URL``) posts and feeds link to; unset, ghee's own."""

    post_path: str = DEFAULT_POST_PATH
    """Where the site shows a post (``GHEE_POST_URL``), a path holding ``{slug}``."""

    feeds_public: bool = True
    """RSS, Atom and the sitemap at ``/feeds/*.xml`` and ``/sitemap.xml`` answer without a token."""

    feeds_rate_limit: str = DEFAULT_FEEDS_RATE_LIMIT
    """Public feed reads each client address may make, ``limits`` notation joined by ``;``."""

    @property
    def base(self) -> str:
        """The website's base address, without a trailing ``/``."""
        return self.site_url or self.public_url

    def post_url(self, slug: str) -> str:
        """Where the website shows the post ``slug``."""
        return self.base + self.post_path.replace("{slug}", quote(slug, safe=""), 1)

    @property
    def blog_url(self) -> str:
        """The blog's front page: the post path up to the slug (``/blog``), or the site itself."""
        return self.base + self.post_path.partition("{slug}")[0].rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SiteSettings:
        """Read the settings from ``env``; raises ``SettingsError`` for a malformed value."""
        return cls(
            public_url=_base_url(env, "GHEE_PUBLIC_URL", DEFAULT_PUBLIC_URL) or DEFAULT_PUBLIC_URL,
            site_url=_base_url(env, "GHEE_SITE_URL", None),
            post_path=_post_path(env.get("GHEE_POST_URL")),
            feeds_public=(env.get("GHEE_FEEDS_PUBLIC") or "1").strip().lower() not in {"0", "false", "no", "off"},
            feeds_rate_limit=(env.get("GHEE_FEEDS_RATE_LIMIT") or "").strip() or DEFAULT_FEEDS_RATE_LIMIT,
        )


# Retention of delivered webhooks and old events (GHEE_RETENTION_*, GHEE_DEAD_RETENTION_DAYS)


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long delivered webhooks, their attempts and events are kept (``ghee.delivery.retention``)."""

    days: int = 30
    """Delivered deliveries (with their attempts) and events older than this are removed (``GHEE_RETENTION_DAYS``)."""

    dead_days: int = 90
    """Dead letters not replayed are removed after this (``GHEE_DEAD_RETENTION_DAYS``)."""

    interval_seconds: float = 3600.0
    """Seconds between two passes of the worker (``GHEE_RETENTION_INTERVAL``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetentionSettings:
        """Read the settings from ``env``; raises ``SettingsError`` for a malformed value."""
        return cls(
            days=_whole(env, "GHEE_RETENTION_DAYS", 30, 1),
            dead_days=_whole(env, "GHEE_DEAD_RETENTION_DAYS", 90, 1),
            interval_seconds=_seconds(env, "GHEE_RETENTION_INTERVAL", 3600.0),
        )


# Webhook delivery and the worker (GHEE_WEBHOOK_*, GHEE_WORKER_*)

# Standard Webhooks' example schedule: the first attempt now, then retries after
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h.
DEFAULT_SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0)


def _schedule(text: str | None) -> tuple[float, ...]:
    if not text:
        return DEFAULT_SCHEDULE
    msg = "GHEE_WEBHOOK_RETRY_SCHEDULE must list non-negative seconds, e.g. '0,5,300'"
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SettingsError(msg) from None
    if not delays or any(not 0 <= delay < float("inf") for delay in delays):
        raise SettingsError(msg)
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

    concurrency: int = 64
    """Deliveries one worker has in flight at once."""

    in_process: str = "auto"
    """Run the loops inside ``ghee serve``: ``auto`` (on SQLite only), ``1`` or ``0``."""

    public_url: str = DEFAULT_PUBLIC_URL
    """Where ghee's pages are (``GHEE_PUBLIC_URL``, as ``SiteSettings``): chat messages link there."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DeliverySettings:
        """Read the settings from ``env``; raises ``SettingsError`` for a malformed value."""
        return cls(
            retry_schedule=_schedule(env.get("GHEE_WEBHOOK_RETRY_SCHEDULE")),
            allow_private=_flag(env.get("GHEE_WEBHOOK_ALLOW_PRIVATE")),
            timeout_seconds=_seconds(env, "GHEE_WEBHOOK_TIMEOUT", 10.0),
            lease_seconds=_seconds(env, "GHEE_WEBHOOK_LEASE_SECONDS", 60.0),
            poll_seconds=_seconds(env, "GHEE_WORKER_POLL_SECONDS", 0.2),
            batch=_whole(env, "GHEE_WEBHOOK_BATCH", 100, 1),
            concurrency=_whole(env, "GHEE_WEBHOOK_CONCURRENCY", 64, 1),
            in_process=(env.get("GHEE_WORKER_IN_PROCESS") or "auto").strip().lower(),
            public_url=_base_url(env, "GHEE_PUBLIC_URL", DEFAULT_PUBLIC_URL) or DEFAULT_PUBLIC_URL,
        )

    def runs_in_process(self, database_url: str) -> bool:
        """Whether ``ghee serve`` runs the background loops itself for this database."""
        if self.in_process == "auto":
            return database_url.startswith("sqlite")
        return _flag(self.in_process)


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

    site: SiteSettings = field(default_factory=SiteSettings)
    """The addresses answers link to and who may read the feeds (``GHEE_PUBLIC_URL``, ``GHEE_SITE_URL`` ...)."""

    retention: RetentionSettings = field(default_factory=RetentionSettings)
    """How long delivered webhooks and events are kept (``GHEE_RETENTION_DAYS`` ...)."""

    secret_key: str | None = None
    """Fernet key sealing Jenkins tokens and webhook secrets at rest; when unset, one is kept in ``secret_key_file``."""

    secret_key_file: str | None = None
    """Where a generated key is kept; by default ``secret.key`` next to the SQLite file, else in ``./data``."""

    sync_interval: int = DEFAULT_SYNC_INTERVAL
    """Seconds between two sync passes of a Jenkins connection (failures back off from it)."""

    jenkins_allow_private: bool = False
    """Let connections reach Jenkins servers on private, loopback or link-local addresses (a Jenkins on the LAN)."""

    secure_cookies: bool = False
    """Mark the dashboard's cookies ``Secure`` even on plain-HTTP requests (behind a TLS-terminating proxy)."""

    login_rate_limit: str = DEFAULT_LOGIN_RATE_LIMIT
    """Sign-in attempts allowed per client address and e-mail, ``limits`` notation joined by ``;``."""

    login_client_rate_limit: str = DEFAULT_LOGIN_CLIENT_RATE_LIMIT
    """Sign-in attempts allowed per client address whatever the e-mail (each attempt costs an argon2 hash)."""
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
            database_url=_database_url(env.get("GHEE_DATABASE_URL") or DEFAULT_DATABASE_URL),
            redis_url=env.get("GHEE_REDIS_URL") or None,
            rate_limit=env.get("GHEE_RATE_LIMIT") or DEFAULT_RATE_LIMIT,
            cache_control=env.get("GHEE_CACHE_CONTROL") or DEFAULT_CACHE_CONTROL,
            media_dir=env.get("GHEE_MEDIA_DIR") or DEFAULT_MEDIA_DIR,
            media=MediaSettings.from_env(env),
            delivery=DeliverySettings.from_env(env),
            site=SiteSettings.from_env(env),
            retention=RetentionSettings.from_env(env),
            secret_key=_fernet_key(env.get("GHEE_SECRET_KEY") or None),
            secret_key_file=env.get("GHEE_SECRET_KEY_FILE") or None,
            sync_interval=_whole(env, "GHEE_SYNC_INTERVAL", DEFAULT_SYNC_INTERVAL, 1),
            jenkins_allow_private=_flag(env.get("GHEE_JENKINS_ALLOW_PRIVATE")),
            secure_cookies=env.get("GHEE_SECURE_COOKIES", "") in {"1", "true", "yes"},
            login_rate_limit=env.get("GHEE_LOGIN_RATE_LIMIT") or DEFAULT_LOGIN_RATE_LIMIT,
            login_client_rate_limit=env.get("GHEE_LOGIN_CLIENT_RATE_LIMIT") or DEFAULT_LOGIN_CLIENT_RATE_LIMIT,
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
        raise SettingsError(f"GHEE_ANSWER_CACHE_MB must be a whole number of megabytes, 0 or more, not {value!r}")
    return megabytes


def _access_log_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in ACCESS_LOG_MODES:
        raise SettingsError(f"GHEE_ACCESS_LOG must be one of {', '.join(ACCESS_LOG_MODES)}, not {value!r}")
    return mode


def _fernet_key(value: str | None) -> str | None:
    """A ``GHEE_SECRET_KEY`` checked at start-up, not when a secret is first sealed or opened."""
    if value is None:
        return None
    try:
        Fernet(value.strip().encode())
    except ValueError:
        raise SettingsError(
            "GHEE_SECRET_KEY must be a Fernet key (32 bytes in URL-safe base64, 44 characters): make one with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None
    return value.strip()


def _argon2_cost(value: str) -> str:
    if value not in ARGON2_COSTS:
        raise SettingsError(f"GHEE_ARGON2_COST must be one of {', '.join(ARGON2_COSTS)}, not {value!r}")
    return value


DEFAULT_SPOOL_DIR = "~/.ghee/spool"
_PROJECT_ID = re.compile(r"proj_[0-9a-z]{1,40}")
DEFAULT_SEND_SECONDS = 4.0


@dataclass(frozen=True, slots=True)
class SenderSettings:
    """What ``ghee p4`` and ``ghee git hook`` need on a VCS server to send changes to ghee (never ghee's own)."""

    url: str
    """Where ghee answers (``GHEE_URL``), e.g. ``https://ghee.studio.example``."""

    token: str = field(repr=False)
    """A write token (``GHEE_TOKEN``), best bound to the project."""

    project: str
    """The project the changes belong to (``GHEE_PROJECT``, ``proj_...``)."""

    spool_dir: str = DEFAULT_SPOOL_DIR
    """Where changes wait while ghee cannot be reached (``GHEE_SPOOL_DIR``; a folder per source inside)."""

    send_seconds: float = DEFAULT_SEND_SECONDS
    """How long a trigger or hook may spend sending before it spools the rest (``GHEE_SEND_SECONDS``)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SenderSettings:
        """Read them from the environment (or the mapping given); raises ``SettingsError`` naming what is missing."""
        env = os.environ if environ is None else environ
        missing = [name for name in ("GHEE_URL", "GHEE_TOKEN", "GHEE_PROJECT") if not (env.get(name) or "").strip()]
        if missing:
            raise SettingsError(f"{', '.join(missing)} must be set to send changes to ghee (see docs/perforce.md)")
        url = env["GHEE_URL"].strip().rstrip("/")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise SettingsError(f"GHEE_URL must be an http:// or https:// address, not {url!r}")
        project = env["GHEE_PROJECT"].strip()
        if not _PROJECT_ID.fullmatch(project):  # it also names the spool's folder
            raise SettingsError(f"GHEE_PROJECT must be a project id like proj_1a2b3c4d, not {project!r}")
        return cls(
            url=url,
            token=env["GHEE_TOKEN"].strip(),
            project=project,
            spool_dir=env.get("GHEE_SPOOL_DIR") or DEFAULT_SPOOL_DIR,
            send_seconds=_seconds(env, "GHEE_SEND_SECONDS", DEFAULT_SEND_SECONDS),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read on first use."""
    return Settings.from_env()

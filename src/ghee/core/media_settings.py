"""What renderings of uploaded images may cost: read once from ``GHEE_MEDIA_RENDER_*`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_RENDER_CACHE_MB = 512
DEFAULT_RENDER_RATE_LIMIT = "60/minute;20/second"
DEFAULT_RENDER_THREADS = 2
DEFAULT_RENDER_SECONDS = 10.0


def _whole(env: Mapping[str, str], name: str, default: int, low: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < low:
        raise ValueError(f"{name} must be a whole number, {low} or more, not {text!r}")
    return int(text)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a number of seconds above 0, not {text!r}")
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
        """Read the settings from ``env``; raises ``ValueError`` for a malformed value."""
        return cls(
            render_cache_mb=_whole(env, "GHEE_MEDIA_RENDER_CACHE_MB", DEFAULT_RENDER_CACHE_MB, 0),
            render_rate_limit=(env.get("GHEE_MEDIA_RENDER_RATE_LIMIT") or "").strip() or DEFAULT_RENDER_RATE_LIMIT,
            render_threads=_whole(env, "GHEE_MEDIA_RENDER_THREADS", DEFAULT_RENDER_THREADS, 1),
            render_seconds=_seconds(env, "GHEE_MEDIA_RENDER_SECONDS", DEFAULT_RENDER_SECONDS),
        )

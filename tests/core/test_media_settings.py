"""``GHEE_MEDIA_RENDER_*``: defaults when unset, a clear start-up error when malformed."""

from __future__ import annotations

import pytest

from ghee.config import MediaSettings, Settings


def test_unset_variables_give_the_documented_defaults() -> None:
    assert Settings.from_env({}).media == MediaSettings(
        render_cache_mb=512, render_rate_limit="60/minute;20/second", render_threads=2, render_seconds=10.0
    )


def test_each_variable_is_read() -> None:
    env = {
        "GHEE_MEDIA_RENDER_CACHE_MB": "0",
        "GHEE_MEDIA_RENDER_RATE_LIMIT": "5/minute",
        "GHEE_MEDIA_RENDER_THREADS": "4",
        "GHEE_MEDIA_RENDER_SECONDS": "2.5",
    }
    assert MediaSettings.from_env(env) == MediaSettings(0, "5/minute", 4, 2.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GHEE_MEDIA_RENDER_CACHE_MB", "-1"),
        ("GHEE_MEDIA_RENDER_CACHE_MB", "lots"),
        ("GHEE_MEDIA_RENDER_THREADS", "0"),
        ("GHEE_MEDIA_RENDER_SECONDS", "0"),
        ("GHEE_MEDIA_RENDER_SECONDS", "inf"),
        ("GHEE_MEDIA_RENDER_SECONDS", "soon"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        MediaSettings.from_env({name: value})

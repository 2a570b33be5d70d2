"""Settings read from the environment: defaults a production install relies on, and refusals of bad values."""

from __future__ import annotations

import pytest

from ghee.config import Settings


def test_passwords_are_hashed_at_argon2s_standard_cost_unless_a_test_suite_asks_otherwise() -> None:
    assert Settings.from_env({}).argon2_cost == "standard"
    assert Settings.from_env({"GHEE_ARGON2_COST": "minimal"}).argon2_cost == "minimal"


def test_an_unknown_argon2_cost_is_refused_at_start_up_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="GHEE_ARGON2_COST must be one of standard, minimal, not 'cheap'"):
        Settings.from_env({"GHEE_ARGON2_COST": "cheap"})

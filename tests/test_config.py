"""Settings read from the environment: defaults a production install relies on, and refusals of bad values."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from ghee.config import Settings, SettingsError


def test_passwords_are_hashed_at_argon2s_standard_cost_unless_a_test_suite_asks_otherwise() -> None:
    assert Settings.from_env({}).argon2_cost == "standard"
    assert Settings.from_env({"GHEE_ARGON2_COST": "minimal"}).argon2_cost == "minimal"


def test_an_unknown_argon2_cost_is_refused_at_start_up_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="GHEE_ARGON2_COST must be one of standard, minimal, not 'cheap'"):
        Settings.from_env({"GHEE_ARGON2_COST": "cheap"})


def test_a_malformed_secret_key_is_refused_at_start_up_saying_how_to_make_one() -> None:
    with pytest.raises(ValueError, match=r"GHEE_SECRET_KEY must be a Fernet key .*Fernet\.generate_key"):
        Settings.from_env({"GHEE_SECRET_KEY": "not-a-key"})
    key = Fernet.generate_key().decode()
    assert Settings.from_env({"GHEE_SECRET_KEY": f" {key}\n"}).secret_key == key


def test_retention_ages_are_whole_days_and_default_to_thirty_and_ninety() -> None:
    assert (Settings.from_env({}).retention.days, Settings.from_env({}).retention.dead_days) == (30, 90)
    assert Settings.from_env({"GHEE_RETENTION_DAYS": "7"}).retention.days == 7
    for name, value in (
        ("GHEE_RETENTION_DAYS", "0"),
        ("GHEE_DEAD_RETENTION_DAYS", "soon"),
        ("GHEE_RETENTION_INTERVAL", "-1"),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})

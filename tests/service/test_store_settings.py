"""The store and queue settings: defaults, both URL variables, malformed and oversized values."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.service.settings import Settings
from bot.service.store import DEFAULT_DATABASE_URL

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----\n"
MINIMAL = {
    "PANICSCAN_APP_ID": "12345",
    "PANICSCAN_PRIVATE_KEY": PEM,
    "PANICSCAN_WEBHOOK_SECRET": "s3cr3t",
}


def test_the_default_store_is_a_sqlite_file_with_documented_queue_limits() -> None:
    s = Settings.from_env(MINIMAL)
    assert s.database_url == DEFAULT_DATABASE_URL == "sqlite:///panicscan.db"
    assert (s.job_lease_seconds, s.job_max_attempts, s.retry_backoff_seconds) == (120.0, 5, 2.0)
    assert (s.db_pool_size, s.github_writes_per_minute) == (4, 80.0)


def test_database_url_is_read_and_the_panicscan_variable_wins() -> None:
    pg = "postgresql://bot:pw@db/panicscan"
    assert Settings.from_env({**MINIMAL, "DATABASE_URL": pg}).database_url == pg
    both = {**MINIMAL, "DATABASE_URL": pg, "PANICSCAN_DATABASE_URL": "sqlite:////var/x.db"}
    assert Settings.from_env(both).database_url == "sqlite:////var/x.db"


def test_the_database_password_never_reaches_the_repr() -> None:
    s = Settings.from_env({**MINIMAL, "DATABASE_URL": "postgresql://bot:hunter2@db/p"})
    assert "hunter2" not in repr(s)
    assert "postgresql://bot:***@db/p" in repr(s)


@pytest.mark.parametrize("url", ["mysql://db/x", "panicscan.db", "sqlite://x.db", "http://db"])
def test_a_malformed_database_url_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL") as info:
        Settings.from_env({**MINIMAL, "PANICSCAN_DATABASE_URL": url})
    assert url not in str(info.value)


def test_an_oversized_database_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="too long"):
        Settings.from_env({**MINIMAL, "DATABASE_URL": "postgresql://" + "x" * 10_000})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PANICSCAN_JOB_LEASE_SECONDS", "0"),
        ("PANICSCAN_JOB_LEASE_SECONDS", "soon"),
        ("PANICSCAN_JOB_LEASE_SECONDS", "inf"),
        ("PANICSCAN_JOB_MAX_ATTEMPTS", "0"),
        ("PANICSCAN_JOB_MAX_ATTEMPTS", "1" * 400),
        ("PANICSCAN_DB_POOL_SIZE", "-1"),
        ("PANICSCAN_DB_POOL_SIZE", "1000"),
        ("PANICSCAN_RETRY_BACKOFF_SECONDS", "-2"),
        ("PANICSCAN_GITHUB_WRITES_PER_MINUTE", "nan"),
    ],
)
def test_malformed_or_oversized_queue_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({**MINIMAL, name: value})

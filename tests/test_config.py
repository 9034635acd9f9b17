"""Configuration: embedded defaults for a newcomer, the environment for production."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from saas.app import create_app
from saas.config import ConfigError, normalise_database_url
from saas.core import secretbox


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("secret", ["dev", "change-me", "short"])
def test_production_refuses_a_well_known_or_short_secret(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("SECRET_KEY", secret)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ConfigError):
        create_app()


def test_production_starts_with_a_real_secret_and_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-value")
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal/retain")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db.internal/retain"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"


@pytest.fixture
def production(monkeypatch, tmp_path):
    """The environment of a production start that works: a real secret, a database, an encryption key."""
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-value")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("ENCRYPTION_KEYS", Fernet.generate_key().decode())


def test_production_refuses_to_start_without_an_encryption_key(monkeypatch, production):
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS is missing"):
        create_app()


def test_an_encryption_key_that_is_not_a_fernet_key_is_a_clear_start_up_error(monkeypatch, production):
    monkeypatch.setenv("ENCRYPTION_KEYS", f"{Fernet.generate_key().decode()},not-a-key")
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        create_app()


def test_debug_mode_makes_and_keeps_a_local_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    first = create_app()
    second = create_app()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert first.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/retain.db")
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with first.app_context():  # no ENCRYPTION_KEYS: a key derived from the kept SECRET_KEY
        token = secretbox.seal("whsec_x")
    with second.app_context():
        assert secretbox.open_sealed(token) == "whsec_x"


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_are_normalised_to_psycopg_3(url, expected):
    assert normalise_database_url(url) == expected


def test_webhooks_to_private_networks_are_off_unless_the_environment_says_so(monkeypatch, tmp_path):
    from saas.config import from_environment

    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_NETWORKS", raising=False)
    assert from_environment(str(tmp_path))["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] is False
    for value, allowed in (("1", True), ("true", True), ("0", False), ("no", False)):
        monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_NETWORKS", value)
        assert from_environment(str(tmp_path))["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] is allowed


def test_the_api_s_rate_limits_come_from_the_environment(monkeypatch, production):
    monkeypatch.setenv("API_KEY_RATE_LIMIT", "50 per minute;1000 per hour")
    monkeypatch.setenv("WORKSPACE_RATE_LIMIT", "")
    app = create_app()
    assert app.config["API_KEY_RATE_LIMIT"] == "50 per minute;1000 per hour"
    assert app.config["WORKSPACE_RATE_LIMIT"] == ""  # off
    assert app.config["RATELIMIT_HEADER_REMAINING"] == "RateLimit-Remaining"


@pytest.mark.parametrize("name", ["API_KEY_RATE_LIMIT", "WORKSPACE_RATE_LIMIT", "LOGIN_RATE_LIMIT"])
def test_a_rate_limit_that_cannot_be_read_refuses_to_start(monkeypatch, production, name):
    monkeypatch.setenv(name, "lots")
    with pytest.raises(ConfigError, match=name):
        create_app()


@pytest.mark.parametrize("name, value", [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD")])
def test_a_log_format_or_level_that_cannot_be_used_refuses_to_start(monkeypatch, production, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app()


def test_the_log_format_and_level_come_from_the_environment(monkeypatch, production):
    monkeypatch.setenv("LOG_FORMAT", "Text")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    app = create_app()
    assert (app.config["LOG_FORMAT"], app.config["LOG_LEVEL"]) == ("text", "DEBUG")

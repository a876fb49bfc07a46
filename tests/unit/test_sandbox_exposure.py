"""The sandbox refuses to be served publicly: `refuse_public_sandbox` is the one check that
`hirewire serve`, `dev` and `sandbox` run before they start anything."""

from __future__ import annotations

import pytest

from app.settings import Settings, SettingsError, is_loopback_host, refuse_public_sandbox

ENV = {"SECRET_KEY": "unit-test-secret-key-0123456789", "SANDBOX_ENABLED": "1"}


def settings(**env: str) -> Settings:
    return Settings.from_env({**ENV, **env})


def test_an_https_base_url_is_refused():
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL") as refused:
        refuse_public_sandbox(settings(PUBLIC_BASE_URL="https://hire.example.com"), "127.0.0.1")
    assert "SANDBOX_ALLOW_PUBLIC=1" in str(refused.value)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "hire.example.com", ""])
def test_a_non_loopback_listening_address_is_refused(host):
    with pytest.raises(SettingsError, match="not a loopback address"):
        refuse_public_sandbox(settings(), host)


def test_sandbox_allow_public_overrides_both():
    allowed = settings(PUBLIC_BASE_URL="https://demo.example.com", SANDBOX_ALLOW_PUBLIC="1")
    assert allowed.sandbox_allow_public
    refuse_public_sandbox(allowed, "0.0.0.0")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_over_http_is_fine(host):
    assert is_loopback_host(host)
    refuse_public_sandbox(settings(PUBLIC_BASE_URL="http://127.0.0.1:8000"), host)


def test_without_the_sandbox_nothing_is_refused():
    production = Settings.from_env(
        {"SECRET_KEY": ENV["SECRET_KEY"], "PUBLIC_BASE_URL": "https://hire.example.com"}
    )
    assert not production.sandbox_enabled
    refuse_public_sandbox(production, "0.0.0.0")

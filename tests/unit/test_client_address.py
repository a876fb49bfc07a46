"""Which address is the client: X-Forwarded-For counts only from a trusted proxy, and then its
right-most entry that is not itself a trusted proxy (uvicorn's ProxyHeadersMiddleware rule)."""

from __future__ import annotations

import pytest

from app.settings import Settings, SettingsError
from app.web.client_address import TrustedProxies

ENV = {"SECRET_KEY": "unit-test-secret-key-0123456789"}


def test_with_no_trusted_proxy_the_header_is_ignored():
    none = TrustedProxies("")
    assert not none
    assert none.client_host("127.0.0.1", ["203.0.113.9"]) == "127.0.0.1"
    assert none.client_host("198.51.100.1", ["203.0.113.9"]) == "198.51.100.1"


def test_the_header_counts_only_when_the_peer_is_trusted():
    proxies = TrustedProxies("127.0.0.1")
    assert proxies.client_host("127.0.0.1", ["203.0.113.9"]) == "203.0.113.9"
    assert proxies.client_host("198.51.100.1", ["203.0.113.9"]) == "198.51.100.1"
    assert proxies.client_host("127.0.0.1", []) == "127.0.0.1"
    assert proxies.client_host("127.0.0.1", [" , "]) == "127.0.0.1"


def test_the_right_most_untrusted_entry_wins_so_a_client_cannot_prepend_a_lie():
    proxies = TrustedProxies("10.0.0.0/8, 127.0.0.1")
    # the client sent "1.1.1.1"; the edge proxy appended what it saw; an inner proxy its peer
    chain = ["1.1.1.1, 203.0.113.9", "10.1.2.3"]
    assert proxies.client_host("10.0.0.2", chain) == "203.0.113.9"
    assert proxies.client_host("10.0.0.2", ["203.0.113.9:4711"]) == "203.0.113.9"
    assert proxies.client_host("10.0.0.2", ["[2001:db8::1]:4711"]) == "2001:db8::1"
    assert proxies.client_host("10.0.0.2", ["10.9.9.9, 10.8.8.8"]) == "10.9.9.9"  # all proxies


def test_star_trusts_every_peer_and_takes_the_left_most():
    everyone = TrustedProxies("*")
    assert everyone.client_host("198.51.100.1", ["203.0.113.9, 10.0.0.1"]) == "203.0.113.9"


def test_applying_the_rule_twice_gives_the_same_answer():
    """uvicorn rewrites the peer first with the same setting; the app's pass must agree."""
    proxies = TrustedProxies("10.0.0.0/8")
    chain = ["1.1.1.1, 203.0.113.9, 10.1.2.3"]
    once = proxies.client_host("10.0.0.2", chain)
    assert proxies.client_host(once, chain) == once == "203.0.113.9"


def test_the_setting_defaults_to_no_proxy_and_refuses_typos():
    assert Settings.from_env(ENV).forwarded_allow_ips == ""
    spec = " 10.0.0.0/8 , 192.0.2.7,2001:db8::/32 "
    assert Settings.from_env({**ENV, "FORWARDED_ALLOW_IPS": spec}).forwarded_allow_ips == (
        "10.0.0.0/8,192.0.2.7,2001:db8::/32"
    )
    assert Settings.from_env({**ENV, "FORWARDED_ALLOW_IPS": "*"}).forwarded_allow_ips == "*"
    with pytest.raises(SettingsError, match="FORWARDED_ALLOW_IPS"):
        Settings.from_env({**ENV, "FORWARDED_ALLOW_IPS": "10.0.0.0/8, loadbalancer"})

"""The login limit keys on the real client address, against a real `hirewire serve` (the
address is the socket's, so only a real server shows it): X-Forwarded-For changes nothing
unless FORWARDED_ALLOW_IPS trusts the peer, and then each forwarded client is its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app import db
from tests.conftest import LiveServer, start_server

WRONG = "not-the-password-1"


@pytest.fixture
def serve(test_database: Any, clean_db: None) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(**env: str) -> LiveServer:
        servers.append(start_server(test_database, env, worker=False))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


async def attempt(http: httpx.AsyncClient, email: str, forwarded_for: str | None) -> httpx.Response:
    if "csrftoken" not in http.cookies:
        await http.get("/login")
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    return await http.post(
        "/login",
        data={"email": email, "password": WRONG, "_csrf_token": http.cookies["csrftoken"]},
        headers=headers,
    )


async def recorded_addresses() -> set[str]:
    return {r["ip"] for r in await db.fetch("SELECT DISTINCT ip FROM login_attempt")}


async def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(serve):
    await db.fetch("DELETE FROM login_attempt")
    server = serve()  # FORWARDED_ALLOW_IPS unset: trust no proxy
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for i in range(10):  # a new fake address and a new account each time
            answer = await attempt(http, f"guess{i}@example.com", f"203.0.113.{i + 1}")
            assert answer.status_code == 401, answer.text[:300]
        blocked = await attempt(http, "guess-last@example.com", "198.51.100.77")
        assert blocked.status_code == 429, blocked.text[:300]
        assert "Too many failed logins" in blocked.text
    assert await recorded_addresses() == {"127.0.0.1"}


async def test_behind_a_trusted_proxy_each_forwarded_client_is_limited_on_its_own(serve):
    await db.fetch("DELETE FROM login_attempt")
    server = serve(FORWARDED_ALLOW_IPS="127.0.0.1")  # the test plays the proxy
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for i in range(10):
            # the attacker prepends a fresh lie each time; the proxy appends what it saw
            chain = f"192.0.2.{i + 1}, 203.0.113.5"
            answer = await attempt(http, f"guess{i}@example.com", chain)
            assert answer.status_code == 401, answer.text[:300]
        locked = await attempt(http, "guess-last@example.com", "192.0.2.200, 203.0.113.5")
        assert locked.status_code == 429, locked.text[:300]
        other = await attempt(http, "someone@example.com", "198.51.100.9")
        assert other.status_code == 401, other.text[:300]
        assert "do not match" in other.text
    assert await recorded_addresses() == {"203.0.113.5", "198.51.100.9"}

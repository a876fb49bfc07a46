"""The provider clients: one per organisation and provider, however many callers ask at once,
rebuilt when the organisation's key changes, dropped when it is removed."""

from __future__ import annotations

import asyncio

import pytest
from litestar.di import Provide

from app import db
from app.providers import clients as provider_clients
from app.providers.base import ProviderAuthError
from app.providers.clients import ProviderClients
from tests.factories import BOX, make_org


async def test_a_burst_of_jobs_shares_one_client(clean_db, settings):
    org = await make_org(ribbon_api_key="key-1")
    clients = ProviderClients(settings)
    try:
        got = await asyncio.gather(*(clients.get(org, "ribbon") for _ in range(20)))
        assert len({id(c) for c in got}) == 1
        assert len(clients._clients) == 1
        fresh = await asyncio.gather(*(clients.get(org, "ribbon", fresh=True) for _ in range(5)))
        assert {id(c) for c in fresh} == {id(got[0])}  # the key is unchanged: same client
    finally:
        await clients.aclose()


async def test_a_changed_key_builds_a_new_client_after_the_ttl(clean_db, settings, monkeypatch):
    org = await make_org(ribbon_api_key="key-1")
    clients = ProviderClients(settings)
    try:
        first = await clients.get(org, "ribbon")
        await db.fetch(
            "UPDATE organisation SET ribbon_api_key_enc = $2 WHERE id = $1", org, BOX.seal("key-2")
        )
        assert await clients.get(org, "ribbon") is first  # within the TTL the key is not read
        monkeypatch.setattr(provider_clients, "KEY_TTL", 0.0)
        second = await clients.get(org, "ribbon")
        assert second is not first
        assert await clients.get(org, "ribbon") is second  # the same sealed key keeps the client
        await db.fetch("UPDATE organisation SET ribbon_api_key_enc = NULL WHERE id = $1", org)
        with pytest.raises(ProviderAuthError, match="No Ribbon API key"):
            await clients.get(org, "ribbon")
    finally:
        await clients.aclose()


async def test_fresh_reads_the_key_now_and_a_removed_key_drops_the_client(clean_db, settings):
    org = await make_org(ribbon_api_key="key-1")
    clients = ProviderClients(settings)
    try:
        first = await clients.get(org, "ribbon")
        await db.fetch(
            "UPDATE organisation SET ribbon_api_key_enc = $2 WHERE id = $1", org, BOX.seal("key-2")
        )
        second = await clients.get(org, "ribbon", fresh=True)
        assert second is not first
        assert await clients.get(org, "ribbon") is second
        await db.fetch("UPDATE organisation SET ribbon_api_key_enc = NULL WHERE id = $1", org)
        with pytest.raises(ProviderAuthError, match="No Ribbon API key"):
            await clients.get(org, "ribbon", fresh=True)
        assert clients._clients == {}
        with pytest.raises(ProviderAuthError, match="No Ribbon API key"):
            await clients.get(org, "ribbon")  # not the old client from before the removal
    finally:
        await clients.aclose()


async def test_the_provider_name_is_used_not_assumed(clean_db, settings):
    org = await make_org(ribbon_api_key="key-1")
    clients = ProviderClients(settings)
    try:
        with pytest.raises(ProviderAuthError, match="'acme'"):
            await clients.get(org, "acme")
        assert clients._clients == {}
    finally:
        await clients.aclose()


async def test_the_app_shares_one_set_and_closes_it_on_shutdown(clean_db, settings):
    from app.asgi import create_app
    from tests.conftest import running

    org = await make_org(ribbon_api_key="key-1")
    app = create_app(settings, run_worker=False)
    provide = app.dependencies["provider_clients"]
    assert isinstance(provide, Provide)
    clients = provide.dependency()
    assert isinstance(clients, ProviderClients)
    async with running(app):
        await clients.get(org, "ribbon")
        assert len(clients._clients) == 1
    assert clients._clients == {}

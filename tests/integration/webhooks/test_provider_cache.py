"""The worker's provider clients: one per organisation, however many jobs ask at once, rebuilt
when the organisation's key changes."""

from __future__ import annotations

import asyncio

import pytest

from app import db
from app.providers.base import ProviderAuthError
from app.webhooks import providers as provider_cache
from app.webhooks.providers import ProviderCache
from tests.factories import BOX, make_org


async def test_a_burst_of_jobs_shares_one_client(clean_db, settings):
    org = await make_org(ribbon_api_key="key-1")
    cache = ProviderCache(settings)
    try:
        clients = await asyncio.gather(*(cache.get(org) for _ in range(20)))
        assert len({id(c) for c in clients}) == 1
        assert len(cache._clients) == 1
    finally:
        await cache.aclose()


async def test_a_changed_key_builds_a_new_client_after_the_ttl(clean_db, settings, monkeypatch):
    org = await make_org(ribbon_api_key="key-1")
    cache = ProviderCache(settings)
    try:
        first = await cache.get(org)
        await db.fetch(
            "UPDATE organisation SET ribbon_api_key_enc = $2 WHERE id = $1", org, BOX.seal("key-2")
        )
        assert await cache.get(org) is first  # within the TTL the key is not read again
        monkeypatch.setattr(provider_cache, "KEY_TTL", 0.0)
        second = await cache.get(org)
        assert second is not first
        assert await cache.get(org) is second  # the same sealed key keeps the client
        await db.fetch("UPDATE organisation SET ribbon_api_key_enc = NULL WHERE id = $1", org)
        with pytest.raises(ProviderAuthError, match="No Ribbon API key"):
            await cache.get(org)
    finally:
        await cache.aclose()

"""The one place provider clients come from: one per organisation and provider, kept open
across calls (a new HTTP client per call costs a TLS handshake and a connection), closed on
shutdown by whoever made the set (the app's lifespan, the worker's stop).

A changed API key is noticed within KEY_TTL seconds; a caller acting for a person who may just
have changed it (a page, the settings test, an invitation) asks for `fresh=True`, which reads
the key now and still reuses the client while the key is the same."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from app.crypto import SecretBox
from app.providers.base import Provider, ProviderAuthError
from app.providers.connection import sealed_api_key
from app.providers.registry import make_provider
from app.settings import Settings

RESOURCE = "provider_clients"  # the worker context's resource name
KEY_TTL = 10.0  # seconds a client is reused before the organisation's key is read again

_Key = tuple[uuid.UUID, str]


class ProviderClients:
    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.box = SecretBox(settings.secret_key)
        self.transport = transport
        self._clients: dict[_Key, tuple[str, Provider]] = {}
        self._checked: dict[_Key, float] = {}
        self._locks: dict[_Key, asyncio.Lock] = {}

    async def get(
        self, organisation_id: uuid.UUID, provider: str, *, fresh: bool = False
    ) -> Provider:
        """The organisation's client for `provider`; ProviderAuthError when it has no key."""
        key = (organisation_id, provider)
        if fresh:
            sealed = await self._read(key)
            async with self._lock(key):
                return await self._keep(key, sealed)
        cached = self._recent(key)
        if cached is not None:
            return cached
        # One refresh at a time per organisation: a burst of jobs would otherwise each build a
        # client (a TLS context and a connection pool) and leak all but the last.
        async with self._lock(key):
            return self._recent(key) or await self._keep(key, await self._read(key))

    def _lock(self, key: _Key) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def _recent(self, key: _Key) -> Provider | None:
        checked = self._checked.get(key)
        cached = self._clients.get(key)
        if cached is not None and checked is not None and time.monotonic() - checked < KEY_TTL:
            return cached[1]
        return None

    async def _read(self, key: _Key) -> str:
        try:
            return await sealed_api_key(*key)
        except ProviderAuthError:
            await self._forget(key)  # the key was removed: its client must not be used again
            raise

    async def _keep(self, key: _Key, sealed: str) -> Provider:
        """The client for `sealed`: the cached one if the key is unchanged, else a new one."""
        self._checked[key] = time.monotonic()
        cached = self._clients.get(key)
        if cached is not None and cached[0] == sealed:
            return cached[1]
        client = make_provider(key[1], self.box.open(sealed), self.settings, self.transport)
        self._clients[key] = (sealed, client)
        if cached is not None:
            await cached[1].aclose()
        return client

    async def _forget(self, key: _Key) -> None:
        # no lock needed (and none taken: callers may hold it): the pop happens before any await
        self._checked.pop(key, None)
        cached = self._clients.pop(key, None)
        if cached is not None:
            await cached[1].aclose()

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        self._checked.clear()
        self._locks.clear()  # a lock belongs to its event loop; a restarted app has a new one
        for _, client in clients.values():
            await client.aclose()


@asynccontextmanager
async def using(
    clients: ProviderClients | None, settings: Settings
) -> AsyncIterator[ProviderClients]:
    """`clients`, or for a caller without a set (a script, a test) one of its own, closed after."""
    if clients is not None:
        yield clients
        return
    own = ProviderClients(settings)
    try:
        yield own
    finally:
        await own.aclose()


def provider_clients(ctx: Any) -> ProviderClients:
    """The worker's set (closed by the worker on stop, as it has `aclose`)."""
    clients = ctx.resources.get(RESOURCE)
    if clients is None:
        clients = ctx.resources[RESOURCE] = ProviderClients(ctx.settings)
    return clients

"""Provider clients for background jobs, one per organisation and kept open across jobs (a new
HTTP client per delivery would cost a connection each time). A changed API key is noticed
within KEY_TTL seconds: the sealed key is read again then, and the client rebuilt if it differs."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from app import db
from app.crypto import SecretBox
from app.providers.base import Provider, ProviderAuthError
from app.providers.registry import make_provider
from app.settings import Settings

RESOURCE = "provider_clients"
KEY_TTL = 10.0  # seconds a client is reused before the organisation's key is read again


class ProviderCache:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.box = SecretBox(settings.secret_key)
        self._clients: dict[tuple[uuid.UUID, str], tuple[str, Provider]] = {}
        self._checked: dict[tuple[uuid.UUID, str], float] = {}
        self._locks: dict[tuple[uuid.UUID, str], asyncio.Lock] = {}

    async def get(self, organisation_id: uuid.UUID, name: str = "ribbon") -> Provider:
        key = (organisation_id, name)
        cached = self._fresh(key)
        if cached is not None:
            return cached
        # One refresh at a time per organisation: a burst of jobs would otherwise each build a
        # client (a TLS context and a connection pool) and leak all but the last.
        async with self._locks.setdefault(key, asyncio.Lock()):
            return self._fresh(key) or await self._refresh(key)

    def _fresh(self, key: tuple[uuid.UUID, str]) -> Provider | None:
        checked = self._checked.get(key)
        cached = self._clients.get(key)
        if cached is not None and checked is not None and time.monotonic() - checked < KEY_TTL:
            return cached[1]
        return None

    async def _refresh(self, key: tuple[uuid.UUID, str]) -> Provider:
        organisation_id, name = key
        cached = self._clients.get(key)
        sealed = await db.fetchval(
            "SELECT ribbon_api_key_enc FROM organisation WHERE id = $1", organisation_id
        )
        self._checked[key] = time.monotonic()
        if not sealed:
            raise ProviderAuthError(
                "No Ribbon API key is set for this organisation: an admin can add it under "
                "Settings."
            )
        if cached is not None and cached[0] == sealed:
            return cached[1]
        client = make_provider(name, self.box.open(sealed), self.settings)
        self._clients[key] = (sealed, client)
        if cached is not None:
            await cached[1].aclose()
        return client

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        self._checked.clear()
        for _, client in clients.values():
            await client.aclose()


def providers(ctx: Any) -> ProviderCache:
    """The worker's shared cache (closed by the worker on stop, as it has `aclose`)."""
    cache = ctx.resources.get(RESOURCE)
    if cache is None:
        cache = ctx.resources[RESOURCE] = ProviderCache(ctx.settings)
    return cache

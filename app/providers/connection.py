"""An organisation's provider connection: its API key, decrypted only to make calls."""

from __future__ import annotations

import uuid

from app import db
from app.crypto import SecretBox
from app.providers.base import Provider, ProviderAuthError
from app.providers.registry import make_provider
from app.settings import Settings


async def provider_for_org(
    organisation_id: uuid.UUID, settings: Settings, box: SecretBox, name: str = "ribbon"
) -> Provider:
    """The organisation's client for `name`; ProviderAuthError when no API key is set."""
    sealed = await db.fetchval(
        "SELECT ribbon_api_key_enc FROM organisation WHERE id = $1", organisation_id
    )
    if not sealed:
        raise ProviderAuthError(
            "No Ribbon API key is set for this organisation: an admin can add it under Settings."
        )
    return make_provider(name, box.open(sealed), settings)

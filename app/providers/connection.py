"""An organisation's connection to a provider: its sealed API key (read here and nowhere else,
opened only to build a client) and the address the provider posts webhooks to."""

from __future__ import annotations

import uuid

from app import db
from app.providers.base import ProviderAuthError
from app.settings import Settings

# Where each provider's sealed key is kept on the organisation, and its name for people.
API_KEY_COLUMNS = {"ribbon": "ribbon_api_key_enc"}
LABELS = {"ribbon": "Ribbon"}


async def sealed_api_key(organisation_id: uuid.UUID, provider: str) -> str:
    """The organisation's sealed key for `provider`; ProviderAuthError when none is set."""
    column = API_KEY_COLUMNS.get(provider)
    if column is None:
        raise ProviderAuthError(f"Hirewire cannot connect to a provider named {provider!r}.")
    sealed: str | None = await db.fetchval(
        f"SELECT {column} FROM organisation WHERE id = $1", organisation_id
    )
    if not sealed:
        raise ProviderAuthError(
            f"No {LABELS[provider]} API key is set for this organisation: an admin can add it "
            "under Settings."
        )
    return sealed


def webhook_url(settings: Settings, provider: str, token: str) -> str:
    """Where `provider` posts the webhooks of the assessment whose token is `token` (the route
    is app/webhooks/routes.py's `webhook`)."""
    return f"{settings.public_base_url}/webhooks/{provider}/{token}"

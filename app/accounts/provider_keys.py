"""The organisation's provider API key, stored sealed with a hint of its last characters."""

from __future__ import annotations

import uuid

from app import db


async def store_provider_key(organisation_id: uuid.UUID, sealed: str, hint: str) -> None:
    await db.fetch(
        """UPDATE organisation SET ribbon_api_key_enc = $2, ribbon_api_key_hint = $3,
               updated_at = now() WHERE id = $1""",
        organisation_id,
        sealed,
        hint,
    )


async def clear_provider_key(organisation_id: uuid.UUID) -> None:
    await db.fetch(
        """UPDATE organisation SET ribbon_api_key_enc = NULL, ribbon_api_key_hint = NULL,
               updated_at = now() WHERE id = $1""",
        organisation_id,
    )

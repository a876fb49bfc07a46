"""The assessment's webhook signing secret: swapped for a new one, the old one kept valid for a
grace period so deliveries signed with it in flight still count."""

from __future__ import annotations

import datetime as dt
import uuid

from app import db


async def swap_webhook_secret(
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    expected_enc: str,
    new_enc: str,
    previous_valid_until: dt.datetime,
    flow_id: str,
) -> bool:
    """Make `new_enc` (sealed) the secret and the current one the previous, with the flow
    that uses the new one. Conditional on the secret still being `expected_enc`: of two
    concurrent rotations one wins, and False tells the other."""
    swapped = await db.fetchval(
        """UPDATE assessment SET previous_webhook_secret_enc = webhook_secret_enc,
               previous_secret_valid_until = $4, webhook_secret_enc = $5,
               provider_flow_id = $6, updated_at = now()
           WHERE id = $1 AND organisation_id = $2 AND webhook_secret_enc = $3
           RETURNING id""",
        assessment_id,
        organisation_id,
        expected_enc,
        previous_valid_until,
        new_enc,
        flow_id,
    )
    return swapped is not None

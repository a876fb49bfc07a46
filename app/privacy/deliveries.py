"""Erasure's memory for the webhook inbox: the erased person's interview ids and the keyed hash
of their email, so deliveries naming them later are redacted (by app/webhooks/redaction.py)."""

from __future__ import annotations

import uuid

from app import db

# In the same statement as each remembered erasure: the organisation is marked as one that has
# erased someone, so the inbox's probes (which it skips for unmarked organisations) run from the
# moment the erasure commits, on every web process.
MARK_ORGANISATION = """marked AS (
    INSERT INTO erasure_marker (organisation_id) VALUES ($2) ON CONFLICT DO NOTHING
)"""


async def remember_interviews(org: uuid.UUID, inv_ids: list[uuid.UUID]) -> list[str]:
    """Keep the provider's (opaque) interview ids, so a webhook about them that arrives
    after the erasure is recognised and redacted by the retention job."""
    rows = await db.fetch(
        f"""WITH {MARK_ORGANISATION}
           INSERT INTO erased_interview (organisation_id, provider, provider_interview_id)
           SELECT organisation_id, provider, provider_interview_id FROM invitation
           WHERE id = ANY($1::uuid[]) AND organisation_id = $2
             AND provider_interview_id IS NOT NULL
           ON CONFLICT (provider, provider_interview_id) DO UPDATE SET erased_at = now()
           RETURNING provider_interview_id""",
        inv_ids,
        org,
    )
    return [r["provider_interview_id"] for r in rows]


async def remember_email(org: uuid.UUID, email_hash: str) -> None:
    """Keep the keyed hash of the erased email (SecretBox.candidate_key, never the address), so
    a webhook naming it, however late, is redacted on arrival (see app/webhooks/inbox.py)."""
    await db.fetch(
        f"""WITH {MARK_ORGANISATION}
           INSERT INTO erased_email (organisation_id, email_hash) VALUES ($2, $1)
           ON CONFLICT (organisation_id, email_hash) DO UPDATE SET erased_at = now()""",
        email_hash,
        org,
    )

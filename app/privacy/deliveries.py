"""Erasure's part in the webhook inbox: remember the erased person's interview ids and the keyed
hash of their email, and redact the raw deliveries that belong to them or name them."""

from __future__ import annotations

import uuid

from app import db
from app.privacy.matching import bytes_mention, mentions
from app.webhooks.statuses import DeliveryStatus

UNFINISHED_DELIVERIES = list(DeliveryStatus.waiting_values())


async def remember_interviews(org: uuid.UUID, inv_ids: list[uuid.UUID]) -> list[str]:
    """Keep the provider's (opaque) interview ids, so a webhook about them that arrives
    after the erasure is recognised and redacted by the retention job."""
    rows = await db.fetch(
        """INSERT INTO erased_interview (organisation_id, provider, provider_interview_id)
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
        """INSERT INTO erased_email (organisation_id, email_hash) VALUES ($1, $2)
           ON CONFLICT (organisation_id, email_hash) DO UPDATE SET erased_at = now()""",
        org,
        email_hash,
    )


async def redact_deliveries(
    org: uuid.UUID, inv_ids: list[uuid.UUID], terms: list[str], keys: list[str]
) -> int:
    """Raw webhook deliveries linked to the invitations, or naming the person's email or one
    of their interview ids (a delivery not processed yet has no invitation linked).
    One still waiting to be processed is closed as 'ignored' and its queued job dropped:
    there is nothing left to process."""
    rows = await db.fetch(
        f"""UPDATE webhook_delivery SET body = NULL, payload = NULL, headers = '{{}}',
               redacted_at = now(), candidate_key = NULL,
               status = CASE WHEN status = ANY($4::text[]) THEN 'ignored' ELSE status END,
               processed_at = coalesce(processed_at, now()),
               last_error = CASE WHEN status = ANY($4::text[])
                                   OR {mentions("last_error", "$3")}
                                 THEN 'erased with the candidate' ELSE last_error END
            WHERE organisation_id = $1
              AND (invitation_id = ANY($2::uuid[])
                   OR {mentions("coalesce(payload::text, '')", "$5")}
                   OR (body IS NOT NULL AND {bytes_mention("body", "$5")}))
            RETURNING id""",
        org,
        inv_ids,
        terms,
        UNFINISHED_DELIVERIES,
        keys,
    )
    ids = [str(r["id"]) for r in rows]
    if ids:
        await db.fetch(
            """UPDATE queue_job SET status = 'done', finished_at = now()
               WHERE kind = 'process_delivery' AND status = 'queued'
                 AND payload->>'delivery_id' = ANY($1::text[])""",
            ids,
        )
    return len(ids)

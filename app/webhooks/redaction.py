"""Erasure and retention in the webhook inbox: a delivery keeps its status, event type,
timings and error (the log still shows it happened), and loses its body, payload and headers.
Each function runs inside the caller's transaction; `mentions(expr, param)` is the caller's
SQL test of whether text names one of the terms in `param`."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app import db
from app.queue import service as queue
from app.webhooks.inbox import PROCESS_KIND
from app.webhooks.statuses import DeliveryStatus

Mentions = Callable[[str, str], str]
UNFINISHED = list(DeliveryStatus.waiting_values())
ERASED_NOTE = "erased with the candidate"


async def erase_deliveries(
    organisation_id: uuid.UUID,
    invitation_ids: list[uuid.UUID],
    mentions: Mentions,
    terms: list[str],
    keys: list[str],
) -> int:
    """Raw deliveries linked to the invitations, or naming one of `keys` (the person's email,
    their interview ids: a delivery not processed yet has no invitation linked); an error text
    naming one of `terms` goes too. One still waiting to be processed is closed as 'ignored'
    and its queued job dropped: there is nothing left to process. Returns how many."""
    # Raw bodies may not be UTF-8; 'escape' keeps ASCII as is, which covers emails and ids.
    rows = await db.fetch(
        f"""UPDATE webhook_delivery SET body = NULL, payload = NULL, headers = '{{}}',
               redacted_at = now(), candidate_key = NULL, provider_interview_id = NULL,
               status = CASE WHEN status = ANY($4::text[]) THEN 'ignored' ELSE status END,
               processed_at = coalesce(processed_at, now()),
               last_error = CASE WHEN status = ANY($4::text[])
                                   OR {mentions("last_error", "$3")}
                                 THEN '{ERASED_NOTE}' ELSE last_error END
            WHERE organisation_id = $1
              AND (invitation_id = ANY($2::uuid[])
                   OR {mentions("coalesce(payload::text, '')", "$5")}
                   OR (body IS NOT NULL AND {mentions("encode(body, 'escape')", "$5")}))
            RETURNING id""",
        organisation_id,
        invitation_ids,
        terms,
        UNFINISHED,
        keys,
    )
    ids = [str(r["id"]) for r in rows]
    if ids:
        await queue.drop_queued(PROCESS_KIND, "delivery_id", ids)
    return len(ids)


async def redact_expired(days: int, batch: int, finished: list[str]) -> list[uuid.UUID]:
    """One batch of finished deliveries older than `days` redacted; returns the organisation
    of each."""
    rows = await db.fetch(
        """UPDATE webhook_delivery d SET body = NULL, payload = NULL, headers = '{}',
               redacted_at = now(), provider_interview_id = NULL
           WHERE d.id IN (
               SELECT id FROM webhook_delivery
               WHERE redacted_at IS NULL AND status = ANY($1::text[])
                 AND received_at < now() - make_interval(days => $2)
               ORDER BY received_at LIMIT $3
               FOR UPDATE SKIP LOCKED)
           RETURNING d.organisation_id""",
        finished,
        days,
        batch,
    )
    return [r["organisation_id"] for r in rows]


LATE_SQL = """UPDATE webhook_delivery d SET body = NULL, payload = NULL, headers = '{}',
               redacted_at = now(), candidate_key = NULL, provider_interview_id = NULL,
               last_error = $3
           WHERE d.id IN ("""


async def redact_late(batch: int, finished: list[str], note: str) -> list[uuid.UUID]:
    """Finished deliveries that arrived after a candidate was erased and name one of their
    interviews (erased_interview) or, left unlinked by processing, their email by its keyed
    hash (erased_email): redacted whatever their age, their error text replaced by `note`.
    Returns the organisation of each."""
    late = await db.fetch(
        f"""{LATE_SQL}
               SELECT w.id FROM erased_interview e
               JOIN webhook_delivery w ON w.organisation_id = e.organisation_id
                AND w.provider = e.provider AND w.received_at >= e.erased_at
               WHERE w.redacted_at IS NULL AND w.status = ANY($1::text[])
                 AND strpos(coalesce(w.payload::text, encode(w.body, 'escape'), ''),
                            e.provider_interview_id) > 0
               LIMIT $2
               FOR UPDATE OF w SKIP LOCKED)
           RETURNING d.organisation_id""",
        finished,
        batch,
        note,
    )
    late += await db.fetch(
        f"""{LATE_SQL}
               SELECT w.id FROM erased_email e
               JOIN webhook_delivery w ON w.organisation_id = e.organisation_id
                AND w.candidate_key = e.email_hash AND w.received_at >= e.erased_at
               WHERE w.redacted_at IS NULL AND w.status = ANY($1::text[])
                 AND w.invitation_id IS NULL
               LIMIT $2
               FOR UPDATE OF w SKIP LOCKED)
           RETURNING d.organisation_id""",
        finished,
        batch,
        note,
    )
    return [r["organisation_id"] for r in late]

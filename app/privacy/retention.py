"""Retention: the periodic "retention" job redacts raw webhook payloads older than
RAW_PAYLOAD_RETENTION_DAYS, keeping what was made of them.

A delivery keeps its status, event type, timings and errors (the delivery log still shows it
happened); its body, payload and headers are removed and `redacted_at` is set. Only finished
deliveries are touched (processed, ignored, rejected, dead): one still waiting or failing
keeps its payload until it is done. The processed result (scores, summary, transcript, media
on assessment_result) stays, because that is what recruiters use; but the provider's raw
interview JSON kept beside it (assessment_result.raw_payload) is a second copy of the same
personal data nobody reads day to day, so it goes on the same schedule.

Each run also redacts, whatever their age, finished deliveries that arrived after a candidate
was erased and name one of that candidate's interviews (see erased_interview) or, by its keyed
hash, their email (see erased_email), and clears their error text."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from app import db
from app.accounts.service import forget_old_attempts
from app.audit.service import record_audit
from app.logs import get_logger
from app.queue import service as queue
from app.queue.periodic import periodic
from app.queue.registry import job_kind
from app.queue.service import Job

log = get_logger(__name__)

KIND = "retention"
EVERY_SECONDS = 3600
BATCH = 5000  # rows per table and run; a full batch schedules the next run at once
FINISHED = ["processed", "ignored", "rejected", "dead"]
LATE_NOTE = "names an erased candidate; redacted"
# Late deliveries are redacted on arrival (app/webhooks/inbox.py); what this catches is one
# stored while the erasure was committing, found by an erased interview id or (left unlinked by
# processing) by the keyed hash of an erased email. Its error text goes too: an old one may
# have named the person.
LATE_SQL = """UPDATE webhook_delivery d SET body = NULL, payload = NULL, headers = '{}',
               redacted_at = now(), candidate_key = NULL, last_error = $3
           WHERE d.id IN ("""


@dataclass(frozen=True)
class RetentionRun:
    deliveries: Counter[uuid.UUID]
    results: Counter[uuid.UUID]

    @property
    def more(self) -> bool:
        """A batch was full: there may be more to redact."""
        return sum(self.deliveries.values()) >= BATCH or sum(self.results.values()) >= BATCH


async def redact_expired(days: int, batch: int = BATCH) -> RetentionRun:
    """Redact one batch of each (inside the caller's transaction) and audit it per
    organisation, by the system, with counts only."""
    deliveries = await db.fetch(
        """UPDATE webhook_delivery d SET body = NULL, payload = NULL, headers = '{}',
               redacted_at = now()
           WHERE d.id IN (
               SELECT id FROM webhook_delivery
               WHERE redacted_at IS NULL AND status = ANY($1::text[])
                 AND received_at < now() - make_interval(days => $2)
               ORDER BY received_at LIMIT $3
               FOR UPDATE SKIP LOCKED)
           RETURNING d.organisation_id""",
        FINISHED,
        days,
        batch,
    )
    results = await db.fetch(
        """UPDATE assessment_result r SET raw_payload = NULL
           WHERE r.invitation_id IN (
               SELECT invitation_id FROM assessment_result
               WHERE raw_payload IS NOT NULL
                 AND coalesce(fetched_at, updated_at) < now() - make_interval(days => $1)
               LIMIT $2
               FOR UPDATE SKIP LOCKED)
           RETURNING r.organisation_id""",
        days,
        batch,
    )
    # Late deliveries are redacted on arrival (app/webhooks/inbox.py); these are the ones stored
    # while the erasure was committing, which processing then left unlinked (dead, ignored).
    # Their error text goes too: an old one may have named the person.
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
        FINISHED,
        batch,
        LATE_NOTE,
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
        FINISHED,
        batch,
        LATE_NOTE,
    )
    # Past the retention window a late delivery is caught by the age rule above anyway.
    await db.fetch(
        "DELETE FROM erased_interview WHERE erased_at < now() - make_interval(days => $1)", days
    )
    run = RetentionRun(
        Counter(r["organisation_id"] for r in [*deliveries, *late]),
        Counter(r["organisation_id"] for r in results),
    )
    for org in set(run.deliveries) | set(run.results):
        await record_audit(
            None,
            "retention_redacted",
            "organisation",
            str(org),
            {
                "webhook_payloads": run.deliveries[org],
                "raw_results": run.results[org],
                "older_than_days": days,
            },
            organisation_id=org,
        )
    return run


@periodic(KIND, every=lambda settings: EVERY_SECONDS)
@job_kind(KIND)
async def retention(job: Job, ctx: Any) -> None:
    days = ctx.settings.raw_payload_retention_days
    async with queue.fenced(job):
        run = await redact_expired(days)
        await forget_old_attempts()
        if run.more:
            await queue.enqueue(KIND, {}, dedupe_key="retention:more", max_attempts=3)
    if run.deliveries or run.results:
        log.info(
            "retention_redacted",
            webhook_payloads=sum(run.deliveries.values()),
            raw_results=sum(run.results.values()),
            older_than_days=days,
        )

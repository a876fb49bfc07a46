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
from app.invitations import redaction as invitation_redaction
from app.logs import get_logger
from app.queue import service as queue
from app.queue.periodic import periodic
from app.queue.registry import job_kind
from app.queue.service import Job
from app.webhooks import redaction as webhook_redaction
from app.webhooks.statuses import DeliveryStatus

log = get_logger(__name__)

KIND = "retention"
EVERY_SECONDS = 3600
BATCH = 5000  # rows per table and run; a full batch schedules the next run at once
FINISHED = [s.value for s in DeliveryStatus if not s.waiting]
LATE_NOTE = "names an erased candidate; redacted"


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
    deliveries = await webhook_redaction.redact_expired(days, batch, FINISHED)
    results = await invitation_redaction.redact_expired_raw_results(days, batch)
    # Late deliveries are redacted on arrival (app/webhooks/inbox.py); these are the ones stored
    # while the erasure was committing, which processing then left unlinked (dead, ignored).
    # Their error text goes too: an old one may have named the person.
    late = await webhook_redaction.redact_late(batch, FINISHED, LATE_NOTE)
    # Past the retention window a late delivery is caught by the age rule above anyway.
    await db.fetch(
        "DELETE FROM erased_interview WHERE erased_at < now() - make_interval(days => $1)", days
    )
    run = RetentionRun(
        Counter([*deliveries, *late]),
        Counter(results),
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

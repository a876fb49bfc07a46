"""The "process_delivery" job: turn one stored delivery into its effect, exactly once.

The webhook is only a hint: results are fetched from the provider first (slow I/O, outside any
transaction), then everything is written inside `fenced(job)`, which refuses a worker whose
lease was lost. The merge is idempotent, so a replay or a retry after a crash is harmless."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

from app import db
from app.invitations import lifecycle
from app.invitations.lifecycle import interview_assessment
from app.providers.base import (
    EventKind,
    InterviewResult,
    InterviewStatus,
    ProviderError,
    ProviderNotFound,
    WebhookAdapter,
    WebhookEvent,
)
from app.providers.registry import webhook_adapter
from app.queue import service as queue
from app.queue.registry import job_kind
from app.queue.service import Job, PermanentFailure, RetryLater
from app.webhooks import metrics
from app.webhooks.inbox import PROCESS_KIND
from app.webhooks.providers import ProviderCache, providers

REDACTED_NOTE = "the payload was redacted (retention or erasure); nothing to process"
UNKNOWN_ATTEMPTS = 5  # an invitation row may not be committed yet: wait this many attempts
RECHECK_DELAYS = (15, 45, 120, 300)  # seconds: a "done" interview whose results lag behind

# The delivery marked processed for its invitation (no note), in the lifecycle's statement.
MARK_PROCESSED = """UPDATE webhook_delivery SET status = 'processed', last_error = '',
          processed_at = now(), invitation_id = {invitation}
      WHERE id = {delivery}"""


async def delivery_failed(job: Job, error: str, dead: bool) -> None:
    """Runs with the job's reschedule or death: the delivery shows the same state."""
    delivery_id = job.payload.get("delivery_id")
    if delivery_id:
        await db.fetch(
            "UPDATE webhook_delivery SET status = $2, last_error = $3 WHERE id = $1",
            uuid.UUID(delivery_id),
            "dead" if dead else "failed",
            error[:2000],
        )
    metrics.PROCESSED.labels("dead" if dead else "retry").inc()


@job_kind(PROCESS_KIND, on_failure=delivery_failed)
async def process_delivery(job: Job, ctx: Any) -> None:
    delivery_id = uuid.UUID(job.payload["delivery_id"])
    started = time.perf_counter()
    event_type = "unknown"
    try:
        row = await db.fetchrow(
            """UPDATE webhook_delivery
               SET status = CASE WHEN status = 'rejected' THEN status ELSE 'processing' END,
                   attempts = attempts + 1
               WHERE id = $1
               RETURNING id, organisation_id, assessment_id, provider, status, payload""",
            delivery_id,
        )
        if row is None or row["status"] == "rejected":
            return  # gone, or never usable: nothing to apply
        if row["payload"] is None:
            # Redacted (retention, erasure) before this run, e.g. replayed afterwards: a final
            # state with the reason, or the inbox depth and oldest-age metrics alarm for ever.
            await _finish(job, row["id"], "ignored", REDACTED_NOTE)
            return
        adapter = webhook_adapter(row["provider"])
        payload = row["payload"]
        body = payload if isinstance(payload, str) else json.dumps(payload)
        event = adapter.parse(body.encode())
        event_type = event.event_type or "unknown"
        await _dispatch(job, ctx, row, adapter, event)
    finally:
        metrics.PROCESSING_SECONDS.labels(event_type).observe(time.perf_counter() - started)


async def _dispatch(
    job: Job, ctx: Any, row: Any, adapter: WebhookAdapter, event: WebhookEvent
) -> None:
    if event.kind in (EventKind.INTERVIEW_PROCESSED, EventKind.VIDEO_PROCESSED):
        if not event.interview_id:
            await _finish(job, row["id"], "ignored", "no interview id in the payload")
            return
        if await _foreign_interview(job, row, str(event.interview_id)):
            return
        await _process_interview(job, ctx, row, adapter, event)
    elif event.kind == EventKind.CANDIDATE_STATUS_MOVED:
        if not event.candidate_email or not event.new_status:
            await _finish(job, row["id"], "ignored", "no candidate email or new status")
            return
        if await _foreign_flow(job, row, event.flow_id):
            return
        await _process_move(job, row, event)
    else:
        await _finish(job, row["id"], "ignored", f"event type {event.event_type!r} is not used")


# A delivery acts only on the assessment whose endpoint received it. Whoever holds that
# endpoint's signing secret (the organisation's admin can read it back from the provider) can
# sign any body; one naming another assessment's interview or flow is kept, set aside with
# the reason, and touches nothing else (deduplication is per endpoint, too).
async def _foreign_interview(job: Job, row: Any, interview_id: str) -> bool:
    if row["assessment_id"] is None:
        await _finish(job, row["id"], "ignored", "the assessment of this endpoint was deleted")
        return True
    owner = await interview_assessment(row["provider"], interview_id)
    if owner is None or owner == row["assessment_id"]:
        return False  # ours, or an invitation not committed yet (retried below)
    metrics.FOREIGN.labels(row["provider"], "interview").inc()
    await _finish(job, row["id"], "ignored", "interview of another assessment")
    return True


async def _foreign_flow(job: Job, row: Any, flow_id: str | None) -> bool:
    if row["assessment_id"] is None:
        await _finish(job, row["id"], "ignored", "the assessment of this endpoint was deleted")
        return True
    if not flow_id or flow_id == await _assessment_flow(row["assessment_id"]):
        return False
    metrics.FOREIGN.labels(row["provider"], "flow").inc()
    await _finish(job, row["id"], "ignored", "flow of another assessment")
    return True


async def _assessment_flow(assessment_id: uuid.UUID) -> str | None:
    flow: str | None = await db.fetchval(
        "SELECT provider_flow_id FROM assessment WHERE id = $1", assessment_id
    )
    return flow


async def _finish(
    job: Job,
    delivery_id: uuid.UUID,
    status: str,
    note: str = "",
    invitation_id: uuid.UUID | None = None,
) -> None:
    async with queue.fenced(job):
        await _mark(delivery_id, status, note, invitation_id)


async def _mark(
    delivery_id: uuid.UUID, status: str, note: str, invitation_id: uuid.UUID | None
) -> None:
    await db.fetch(
        """UPDATE webhook_delivery SET status = $2, last_error = $3, processed_at = now(),
               invitation_id = coalesce($4, invitation_id)
           WHERE id = $1""",
        delivery_id,
        status,
        note,
        invitation_id,
    )
    metrics.PROCESSED.labels(status).inc()


async def _note(delivery_id: uuid.UUID, note: str) -> None:
    await db.fetch("UPDATE webhook_delivery SET last_error = $2 WHERE id = $1", delivery_id, note)


def _not_found_yet(job: Job, what: str) -> Exception:
    if job.attempts >= UNKNOWN_ATTEMPTS:
        return PermanentFailure(f"{what} (gave up after {job.attempts} attempts)")
    return RetryLater(what, delay=queue.backoff_seconds(job.attempts, base=2.0))


async def fetch_interview(
    cache: ProviderCache, organisation_id: uuid.UUID, provider: str, interview_id: str, job: Job
) -> InterviewResult:
    """The interview from the provider; provider trouble becomes a retry (honouring
    Retry-After), a missing interview is retried a few times, then the job is dead."""
    try:
        client = await cache.get(organisation_id, provider)
        return await client.get_interview(interview_id)
    except ProviderError as exc:
        metrics.PROVIDER_ERRORS.labels(provider, type(exc).__name__).inc()
        if isinstance(exc, ProviderNotFound):
            raise _not_found_yet(
                job, f"the provider does not know interview {interview_id}"
            ) from exc
        delay = exc.retry_after or queue.backoff_seconds(job.attempts, base=2.0)
        raise RetryLater(f"provider: {exc}", delay=delay) from exc


async def _process_interview(
    job: Job, ctx: Any, row: Any, adapter: WebhookAdapter, event: WebhookEvent
) -> None:
    org_id, interview_id = row["organisation_id"], str(event.interview_id)
    fetched = await fetch_interview(providers(ctx), org_id, row["provider"], interview_id, job)
    recheck = int(job.payload.get("recheck", 0))
    async with queue.fenced(job):
        source = f"webhook received: {event.event_type}"
        applied = await lifecycle.record_result(
            org_id,
            row["provider"],
            interview_id,
            fetched,
            adapter,
            lifecycle.Source(
                kind="webhook" if recheck == 0 else "recheck",
                message=source if recheck == 0 else f"re-checked after {event.event_type}",
                delivery_id=row["id"],
                signalled=True,
            ),
            assessment_id=row["assessment_id"],
            delivery_update=MARK_PROCESSED,
        )
        if applied is None:  # its invitation may not be committed yet: retry, then dead
            raise _not_found_yet(job, f"unknown interview {interview_id}")
        lagging = fetched.status != InterviewStatus.COMPLETED or (
            event.kind == EventKind.VIDEO_PROCESSED and "video" in applied.missing
        )
        if lagging and recheck < len(RECHECK_DELAYS):  # record_result marked it processed
            delay = RECHECK_DELAYS[recheck]
            note = f"results not all in yet; re-checking in {delay} s"
            await queue.enqueue(
                PROCESS_KIND,
                {"delivery_id": str(row["id"]), "recheck": recheck + 1},
                organisation_id=org_id,
                run_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay),
            )
            await _note(row["id"], note)
        metrics.PROCESSED.labels("processed").inc()


async def _process_move(job: Job, row: Any, event: WebhookEvent) -> None:
    email = str(event.candidate_email)
    async with queue.fenced(job):
        first = await lifecycle.record_stage_move(
            row["organisation_id"],
            row["assessment_id"],
            email,
            event.previous_status or "",
            str(event.new_status),
            row["id"],
        )
        if first is None:
            # No email here: error texts end up in logs, the delivery log and the API.
            raise _not_found_yet(job, "a candidate not invited to this assessment")
        await _mark(row["id"], "processed", "", first)

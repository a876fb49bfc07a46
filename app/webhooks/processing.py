"""The "process_delivery" job: turn one stored delivery into its effect, exactly once.

The webhook is only a hint: results are fetched from the provider first (slow I/O, outside any
transaction), then everything is written inside `fenced(job)`, which refuses a worker whose
lease was lost. The merge is idempotent, so a replay or a retry after a crash is harmless."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.invitations import lifecycle, renewal
from app.invitations.lifecycle import interview_assessment
from app.logs import get_logger
from app.providers.base import (
    EventKind,
    InterviewResult,
    InterviewStatus,
    ProviderError,
    ProviderNotFound,
    WebhookAdapter,
    WebhookEvent,
)
from app.providers.clients import ProviderClients, provider_clients
from app.providers.registry import webhook_adapter
from app.queue import service as queue
from app.queue.registry import job_kind
from app.queue.service import Job, LeaseLost, PermanentFailure, RetryLater
from app.webhooks import metrics
from app.webhooks.inbox import PROCESS_KIND

log = get_logger(__name__)

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


INTERVIEW_KINDS = (EventKind.INTERVIEW_PROCESSED, EventKind.VIDEO_PROCESSED)
FETCH_CONCURRENCY = 16  # a batch's provider calls in flight at once

# The claimed deliveries started: 'processing' (a rejected one stays so), one attempt more. The
# payload's text comes back only where the fields the endpoint parsed do not suffice (a stage
# move needs the email, which is kept only hashed; rows stored before the fields were kept).
START_SQL = """UPDATE webhook_delivery
   SET status = CASE WHEN status = 'rejected' THEN status ELSE 'processing' END,
       attempts = attempts + 1
   WHERE id = ANY($1::uuid[])
   RETURNING id, organisation_id, assessment_id, provider, status, event_type, event_kind,
             provider_interview_id, payload IS NULL AS redacted,
             CASE WHEN event_kind = ANY($2::text[]) AND provider_interview_id IS NOT NULL
                  THEN NULL ELSE payload::text END AS payload"""


@dataclass
class Ready:
    """A started delivery whose event is known."""

    job: Job
    row: Any
    adapter: WebhookAdapter
    event: WebhookEvent
    fetched: InterviewResult | None = None

    @property
    def key(self) -> lifecycle.InterviewKey:
        row = self.row
        return (
            row["organisation_id"],
            row["provider"],
            str(self.event.interview_id),
            row["assessment_id"],
        )


def _delivery_id(job: Job) -> uuid.UUID:
    return uuid.UUID(job.payload["delivery_id"])


async def _start(jobs: list[Job]) -> dict[uuid.UUID, Any]:
    rows = await db.fetch(
        START_SQL, [_delivery_id(j) for j in jobs], [str(k) for k in INTERVIEW_KINDS]
    )
    return {r["id"]: r for r in rows}


async def _ready(job: Job, row: Any) -> Ready | None:
    """The delivery's event, or None when there is nothing to apply (finished here if so)."""
    if row is None or row["status"] == "rejected":
        return None  # gone, or never usable: nothing to apply
    if row["redacted"]:
        # Redacted (retention, erasure) before this run, e.g. replayed afterwards: a final
        # state with the reason, or the inbox depth and oldest-age metrics alarm for ever.
        await _finish(job, row["id"], "ignored", REDACTED_NOTE)
        return None
    adapter = webhook_adapter(row["provider"])
    if row["payload"] is None:  # what the endpoint parsed and kept is all an interview needs
        event = WebhookEvent(
            kind=EventKind(row["event_kind"]),
            event_type=row["event_type"],
            idempotency_key="",
            interview_id=row["provider_interview_id"],
        )
    else:
        event = adapter.parse(row["payload"].encode())  # the body as text: parsed once, here
    return Ready(job, row, adapter, event)


async def process_deliveries(jobs: list[Job], ctx: Any) -> dict[Job, Exception]:
    """A claim's deliveries together: started in one statement, their interviews fetched
    concurrently, and the interviews' effects written in one transaction (one fence statement,
    one lock statement, one pipelined apply). Anything else (stage moves, foreign or unknown
    interviews, a second delivery for the same interview) takes the one-job path, and if the
    batch's transaction fails each of its jobs is written on its own: a job's trouble never
    undoes its neighbours' effects. Returns the jobs that failed, with why."""
    started = time.perf_counter()
    failures: dict[Job, Exception] = {}
    rows = await _start(jobs)
    ready: list[Ready] = []
    for job in jobs:
        try:
            found = await _ready(job, rows.get(_delivery_id(job)))
        except Exception as exc:
            failures[job] = exc
            continue
        if found is not None:
            ready.append(found)
    batch, single = await _split(ready)
    await _fetch_all(batch, ctx, failures)
    await _write(batch, failures)
    for one in single:  # after the batch: a repeat of one of its interviews sees its effect
        try:
            await _dispatch(one.job, ctx, one.row, one.adapter, one.event)
        except Exception as exc:
            failures[one.job] = exc
    elapsed = time.perf_counter() - started
    for one in ready:
        metrics.PROCESSING_SECONDS.labels(one.event.event_type or "unknown").observe(elapsed)
    return failures


@job_kind(PROCESS_KIND, on_failure=delivery_failed, batch=process_deliveries)
async def process_delivery(job: Job, ctx: Any) -> None:
    started = time.perf_counter()
    event_type = "unknown"
    try:
        ready = await _ready(job, (await _start([job])).get(_delivery_id(job)))
        if ready is None:
            return
        event_type = ready.event.event_type or "unknown"
        await _dispatch(job, ctx, ready.row, ready.adapter, ready.event)
    finally:
        metrics.PROCESSING_SECONDS.labels(event_type).observe(time.perf_counter() - started)


async def _split(ready: list[Ready]) -> tuple[list[Ready], list[Ready]]:
    """The deliveries the batch writes (an interview event for an interview of the endpoint's
    own assessment, one per interview) and the rest."""
    interviews = [
        r
        for r in ready
        if r.event.kind in INTERVIEW_KINDS and r.event.interview_id and r.row["assessment_id"]
    ]
    owners = await lifecycle.interview_assessments(
        list({(r.row["provider"], str(r.event.interview_id)) for r in interviews})
    )
    batch: list[Ready] = []
    seen: set[lifecycle.InterviewKey] = set()
    for r in interviews:
        owner = owners.get((r.row["provider"], str(r.event.interview_id)))
        if owner == r.row["assessment_id"] and r.key not in seen:
            seen.add(r.key)
            batch.append(r)
    chosen = {id(r) for r in batch}
    return batch, [r for r in ready if id(r) not in chosen]


async def _fetch_all(batch: list[Ready], ctx: Any, failures: dict[Job, Exception]) -> None:
    """Each delivery's interview from its provider, a bounded number at once; a failed fetch
    is that job's failure (its retry), and it leaves the batch."""
    clients = provider_clients(ctx)
    slots = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def fetch(one: Ready) -> None:
        async with slots:
            try:
                one.fetched = await fetch_interview(
                    clients,
                    one.row["organisation_id"],
                    one.row["provider"],
                    str(one.event.interview_id),
                    one.job,
                )
            except Exception as exc:
                failures[one.job] = exc

    await asyncio.gather(*(fetch(one) for one in batch))


async def _write(batch: list[Ready], failures: dict[Job, Exception]) -> None:
    fetched = [one for one in batch if one.fetched is not None]
    if not fetched:
        return
    try:
        async with queue.fenced_many([one.job for one in fetched]) as owned:
            leased = set(owned)
            mine = [one for one in fetched if one.job in leased]
            locked = await lifecycle.lock_by_interviews([one.key for one in mine])
            if any(one.key not in locked for one in mine):
                raise LookupError("an invitation went away since the batch looked")
            reports = [
                lifecycle.Report(locked[one.key], _result(one), one.adapter, _source(one))
                for one in mine
            ]
            applied = await lifecycle.apply_results(reports, delivery_update=MARK_PROCESSED)
            for one, result in zip(mine, applied, strict=True):
                await _recheck_if_lagging(one, result)
    except Exception as exc:
        log.info("process_batch_fell_back", jobs=len(fetched), error=type(exc).__name__)
        for one in fetched:
            try:
                await _record(one)
            except Exception as one_exc:
                failures[one.job] = one_exc
        return
    for one in fetched:
        if not one.job.finished:
            failures[one.job] = LeaseLost(f"job {one.job.id} is no longer leased to this worker")
        else:
            metrics.PROCESSED.labels("processed").inc()


def _result(one: Ready) -> InterviewResult:
    assert one.fetched is not None
    return one.fetched


def _source(one: Ready) -> lifecycle.Source:
    recheck = int(one.job.payload.get("recheck", 0))
    event_type = one.event.event_type
    return lifecycle.Source(
        kind="webhook" if recheck == 0 else "recheck",
        message=f"webhook received: {event_type}"
        if recheck == 0
        else f"re-checked after {event_type}",
        delivery_id=one.row["id"],
        signalled=True,
    )


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


# A re-invited invitation's earlier interview: its late webhooks are set aside, not retried.
EARLIER_ATTEMPT = "interview of an earlier attempt (re-invited since)"


# A delivery acts only on the assessment whose endpoint received it. Whoever holds that
# endpoint's signing secret (the organisation's admin can read it back from the provider) can
# sign any body; one naming another assessment's interview or flow is kept, set aside with
# the reason, and touches nothing else (deduplication is per endpoint, too).
async def _foreign_interview(job: Job, row: Any, interview_id: str) -> bool:
    if row["assessment_id"] is None:
        await _finish(job, row["id"], "ignored", "the assessment of this endpoint was deleted")
        return True
    owner = await interview_assessment(row["provider"], interview_id)
    if owner == row["assessment_id"]:
        return False
    if owner is None:
        earlier = await renewal.earlier_attempt_assessment(row["provider"], interview_id)
        if earlier is None:
            return False  # an invitation not committed yet: retried below
        if earlier == row["assessment_id"]:
            await _finish(job, row["id"], "ignored", EARLIER_ATTEMPT)
            return True
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
    clients: ProviderClients, organisation_id: uuid.UUID, provider: str, interview_id: str, job: Job
) -> InterviewResult:
    """The interview from the provider; provider trouble becomes a retry (honouring
    Retry-After), a missing interview is retried a few times, then the job is dead."""
    try:
        client = await clients.get(organisation_id, provider)
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
    one = Ready(job, row, adapter, event)
    one.fetched = await fetch_interview(
        provider_clients(ctx), row["organisation_id"], row["provider"], str(event.interview_id), job
    )
    await _record(one)


async def _record(one: Ready) -> None:
    """One delivery's fetched interview written in its own fenced transaction."""
    row = one.row
    interview_id = str(one.event.interview_id)
    async with queue.fenced(one.job):
        applied = await lifecycle.record_result(
            row["organisation_id"],
            row["provider"],
            interview_id,
            _result(one),
            one.adapter,
            _source(one),
            assessment_id=row["assessment_id"],
            delivery_update=MARK_PROCESSED,
        )
        if applied is None:  # its invitation may not be committed yet: retry, then dead
            raise _not_found_yet(one.job, f"unknown interview {interview_id}")
        await _recheck_if_lagging(one, applied)
    metrics.PROCESSED.labels("processed").inc()


async def _recheck_if_lagging(one: Ready, applied: lifecycle.Applied) -> None:
    """Inside the write's transaction: results not all in yet are fetched again later (the
    delivery is marked processed already, with a note)."""
    recheck = int(one.job.payload.get("recheck", 0))
    lagging = _result(one).status != InterviewStatus.COMPLETED or (
        one.event.kind == EventKind.VIDEO_PROCESSED and "video" in applied.missing
    )
    if lagging and recheck < len(RECHECK_DELAYS):
        delay = RECHECK_DELAYS[recheck]
        await queue.enqueue(
            PROCESS_KIND,
            {"delivery_id": str(one.row["id"]), "recheck": recheck + 1},
            organisation_id=one.row["organisation_id"],
            run_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay),
        )
        await _note(one.row["id"], f"results not all in yet; re-checking in {delay} s")


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

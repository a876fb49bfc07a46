"""Reconciliation: a lost webhook must not leave a candidate stuck. The periodic "reconcile" job
picks invitations that waited too long (invited, pending, partial) and interviews the provider
lists as completed that we still show as invited or pending, and gives each a
"reconcile_invitation" job that fetches it and applies the same merge as a webhook would."""

from __future__ import annotations

import uuid
from typing import Any

from app import db
from app.invitations import lifecycle
from app.invitations.statuses import AT_PROVIDER
from app.logs import get_logger
from app.providers.base import InterviewStatus, ProviderError
from app.providers.clients import provider_clients
from app.providers.registry import webhook_adapter
from app.queue import service as queue
from app.queue.periodic import periodic
from app.queue.registry import job_kind
from app.queue.service import Job
from app.webhooks import metrics
from app.webhooks.processing import fetch_interview

log = get_logger(__name__)

SWEEP_KIND = "reconcile"
ONE_KIND = "reconcile_invitation"
WAITING = [s.value for s in AT_PROVIDER]
BATCH = 500  # invitations per sweep; the rest wait for the next one
LIST_LIMIT = 5000  # completed interviews read from the provider per organisation and sweep


@periodic(SWEEP_KIND, every=lambda settings: settings.reconcile_every_seconds)
@job_kind(SWEEP_KIND)
async def reconcile(job: Job, ctx: Any) -> None:
    due = await db.fetch(
        """SELECT id, organisation_id FROM invitation
           WHERE status = ANY($1) AND provider_interview_id IS NOT NULL
             AND coalesce(last_checked_at, created_at) < now() - make_interval(secs => $2)
           ORDER BY coalesce(last_checked_at, created_at) LIMIT $3""",
        WAITING,
        float(ctx.settings.reconcile_after_seconds),
        BATCH,
    )
    picked = {r["id"]: r["organisation_id"] for r in due}
    for org_id in await _orgs_waiting():
        for row in await _completed_elsewhere(ctx, org_id):
            picked[row["id"]] = org_id
    async with queue.fenced(job):
        await lifecycle.mark_checked(list(picked))
        for invitation_id, org_id in picked.items():
            await queue.enqueue(
                ONE_KIND,
                {"invitation_id": str(invitation_id)},
                dedupe_key=f"reconcile:{invitation_id}",
                organisation_id=org_id,
            )
    if picked:
        log.info("reconcile_sweep", invitations=len(picked))


async def _orgs_waiting() -> list[uuid.UUID]:
    rows = await db.fetch(
        """SELECT DISTINCT i.organisation_id FROM invitation i
           JOIN organisation o ON o.id = i.organisation_id
           WHERE i.status IN ('invited', 'pending') AND i.provider_interview_id IS NOT NULL
             AND o.ribbon_api_key_enc IS NOT NULL"""
    )
    return [r["organisation_id"] for r in rows]


async def _completed_elsewhere(ctx: Any, org_id: uuid.UUID) -> list[Any]:
    """Invitations we show as invited/pending whose interview the provider lists as completed."""
    ids: list[str] = []
    try:
        client = await provider_clients(ctx).get(org_id, "ribbon")
        async for result in client.list_interviews(InterviewStatus.COMPLETED):
            ids.append(result.interview_id)
            if len(ids) >= LIST_LIMIT:
                break
    except ProviderError as exc:
        metrics.PROVIDER_ERRORS.labels("ribbon", type(exc).__name__).inc()
        log.warning("reconcile_list_failed", organisation_id=str(org_id), error=str(exc)[:300])
    if not ids:
        return []
    return await db.fetch(
        """SELECT id FROM invitation WHERE organisation_id = $1
             AND provider_interview_id = ANY($2) AND status IN ('invited', 'pending')""",
        org_id,
        ids,
    )


@job_kind(ONE_KIND)
async def reconcile_invitation(job: Job, ctx: Any) -> None:
    row = await db.fetchrow(
        "SELECT organisation_id, provider, provider_interview_id, status FROM invitation "
        "WHERE id = $1",
        uuid.UUID(job.payload["invitation_id"]),
    )
    if row is None or not row["provider_interview_id"] or row["status"] not in WAITING:
        return
    org_id, provider, interview_id = (
        row["organisation_id"],
        row["provider"],
        row["provider_interview_id"],
    )
    fetched = await fetch_interview(provider_clients(ctx), org_id, provider, interview_id, job)
    async with queue.fenced(job):
        await lifecycle.record_result(
            org_id,
            provider,
            interview_id,
            fetched,
            webhook_adapter(provider),
            lifecycle.Source(
                kind="reconcile",
                message="reconciled with the provider (no webhook needed)",
                record_unchanged=False,
            ),
        )

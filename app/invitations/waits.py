"""Every invitation reaches an end. What the provider adapter expects but has not delivered stops
being awaited once its wait is over (`VIDEO_WAIT_SECONDS` for media, `RESULTS_WAIT_SECONDS` for
a summary, transcript or score, counted from the interview's completion) or once the provider
said it will not come (`settled_by`): it is then listed in `invitation.unavailable`, and a
partial invitation with nothing else expected is complete. A late arrival still merges in: the
lifecycle calls `split` and `store_unavailable`, which drop what has arrived from the list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from app import db
from app.invitations import timeline
from app.invitations.statuses import InvitationStatus
from app.providers.base import WebhookAdapter
from app.providers.registry import settling_event_types, webhook_adapter
from app.queue import service as queue
from app.queue.periodic import periodic
from app.queue.registry import job_kind
from app.queue.service import Job

SETTLE_EVERY_SECONDS = 60
# After a "done" event the webhook processing re-fetches the interview for eight minutes
# (RECHECK_DELAYS in app/webhooks/processing.py): only after that is its word final.
SETTLED_AFTER = dt.timedelta(minutes=10)
BATCH = 500

# A partial invitation learns until when it waits the first time the job sees it.
DUE_SQL = """UPDATE invitation
    SET video_due_at = coalesce(completed_at, now()) + make_interval(secs => $1),
        results_due_at = coalesce(completed_at, now()) + make_interval(secs => $2)
    WHERE status = 'partial' AND results_due_at IS NULL"""

# Partial invitations whose wait is over, or that had an event after which something will not
# come; locked, skipping those a webhook is merging into right now (the next run takes them).
SETTLE_SQL = """SELECT i.id, i.organisation_id, i.job_id, i.provider, i.missing, i.unavailable,
        i.video_due_at, i.results_due_at,
        ARRAY(SELECT DISTINCT d.event_type FROM webhook_delivery d
              WHERE d.invitation_id = i.id AND d.status = 'processed'
                AND d.event_type = ANY($1::text[]) AND d.received_at < now() - $2::interval)
            AS settling_events
    FROM invitation i
    WHERE i.status = 'partial'
      AND (i.video_due_at <= now() OR i.results_due_at <= now()
           OR EXISTS (SELECT 1 FROM webhook_delivery d
                      WHERE d.invitation_id = i.id AND d.status = 'processed'
                        AND d.event_type = ANY($1::text[])
                        AND d.received_at < now() - $2::interval))
    ORDER BY i.completed_at NULLS FIRST
    LIMIT $3
    FOR UPDATE OF i SKIP LOCKED"""


def split(missing: Sequence[str], unavailable: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(still expected, still unavailable) from what the adapter finds missing now: an item
    marked unavailable is not expected any more; one that has arrived since is not unavailable."""
    marked = list(unavailable or ())
    expected = [m for m in missing if m not in marked]
    return expected, [u for u in marked if u in missing]


async def store_unavailable(
    invitation: Any, unavailable: list[str], adapter: WebhookAdapter
) -> None:
    """After a merge: what arrived late comes off the invitation's unavailable list (nothing is
    written when nothing did)."""
    before = list(invitation["unavailable"] or ())
    if before == unavailable:
        return
    arrived = [u for u in before if u not in unavailable]
    was = ", ".join(adapter.unavailable_label(u) for u in arrived)
    await db.fetch(
        "UPDATE invitation SET unavailable = $2::jsonb, updated_at = now() WHERE id = $1",
        invitation["id"],
        unavailable,
    )
    await timeline.add_event(
        invitation["organisation_id"],
        invitation["id"],
        "late_arrival",
        f"Arrived after its wait and merged in: {', '.join(arrived)} (was: {was})",
        {"arrived": arrived},
    )


def settled_items(row: Any, adapter: WebhookAdapter, now: dt.datetime) -> list[str]:
    """What of the row's missing items is awaited no longer."""
    said = {item for event in row["settling_events"] for item in adapter.settled_by(event)}
    out = []
    for item in row["missing"] or ():
        due = row["video_due_at"] if adapter.is_media(item) else row["results_due_at"]
        if item in said or (due is not None and due <= now):
            out.append(item)
    return out


async def _settle(row: Any, now: dt.datetime) -> bool:
    adapter = webhook_adapter(row["provider"])
    settled = settled_items(row, adapter, now)
    if not settled:
        return False
    expected = [m for m in row["missing"] if m not in settled]
    unavailable = list(dict.fromkeys([*(row["unavailable"] or ()), *settled]))
    status = InvitationStatus.PARTIAL if expected else InvitationStatus.COMPLETE
    await db.fetch(
        """UPDATE invitation SET missing = $2::jsonb, unavailable = $3::jsonb, status = $4,
               updated_at = now() WHERE id = $1""",
        row["id"],
        expected,
        unavailable,
        status,
    )
    org, inv = row["organisation_id"], row["id"]
    labels = ", ".join(adapter.unavailable_label(s) for s in settled)
    await timeline.add_event(
        org, inv, "unavailable", f"No longer waiting: {labels}", {"unavailable": settled}
    )
    if status != InvitationStatus.PARTIAL:
        await timeline.add_event(org, inv, "status", f"status: partial -> {status}", {"to": status})
    await timeline.announce(org, row["job_id"], inv)
    return True


async def settle_due(video_wait_seconds: int, results_wait_seconds: int) -> list[uuid.UUID]:
    """One pass: give new partial invitations their deadlines, then settle what is due.
    Returns the invitations changed. Runs inside the caller's transaction."""
    await db.fetch(DUE_SQL, float(video_wait_seconds), float(results_wait_seconds))
    rows = await db.fetch(SETTLE_SQL, list(settling_event_types()), SETTLED_AFTER, BATCH)
    now = dt.datetime.now(dt.UTC)
    return [row["id"] for row in rows if await _settle(row, now)]


@periodic("settle_waits", every=lambda settings: SETTLE_EVERY_SECONDS)
@job_kind("settle_waits")
async def settle_waits(job: Job, ctx: Any) -> None:
    async with queue.fenced(job):
        await settle_due(ctx.settings.video_wait_seconds, ctx.settings.results_wait_seconds)

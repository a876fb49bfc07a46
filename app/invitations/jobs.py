"""Background jobs of invitations: "invite" (create the provider interview, store its link,
queue the email) and the periodic "expire_invitations"."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from app import db
from app.emails.sender import on_email_sent
from app.emails.service import queue_invitation_email
from app.invitations import timeline
from app.invitations.statuses import InvitationStatus
from app.providers.base import CreatedInterview, ProviderError
from app.providers.clients import provider_clients
from app.queue import service as queue
from app.queue.periodic import periodic
from app.queue.registry import job_kind
from app.queue.service import Job, PermanentFailure, RetryLater
from app.text import impersonal

EXPIRE_EVERY_SECONDS = 300

_LOAD_SQL = """
    SELECT i.id, i.organisation_id, i.job_id, i.status, i.provider, i.provider_interview_id,
           i.interview_link, a.provider_flow_id, c.email, c.first_name, c.last_name
    FROM invitation i
    JOIN assessment a ON a.id = i.assessment_id
    JOIN candidate c ON c.id = i.candidate_id
    WHERE i.id = $1
"""


@on_email_sent
async def _email_sent(email: Any) -> None:
    """An email sent for an invitation (the invite, a reminder) goes on its timeline, without the
    address: the timeline is shown to every recruiter of the job."""
    if email["invitation_id"] is None:
        return
    await timeline.add_event(
        email["organisation_id"],
        email["invitation_id"],
        "email_sent",
        f"{email['kind'].capitalize()} email sent",
        {"email_id": str(email["id"])},
    )
    await timeline.announce(email["organisation_id"], email["job_id"], email["invitation_id"])


async def _invite_failed(job: Job, error: str, dead: bool) -> None:
    """In the worker's transaction that reschedules or kills the job: a dead job leaves the
    invitation 'failed' with the reason; a retry is noted on the timeline."""
    invitation_id = uuid.UUID(job.payload["invitation_id"])
    if dead:
        row = await db.fetchrow(
            """UPDATE invitation SET status = 'failed', failure_reason = $2, updated_at = now()
               WHERE id = $1 AND status = 'sending' RETURNING organisation_id, job_id""",
            invitation_id,
            error[:1000],
        )
        if row is not None:
            await timeline.add_event(
                row["organisation_id"], invitation_id, "failed", f"Could not invite: {error}"
            )
            await timeline.announce(row["organisation_id"], row["job_id"], invitation_id)
        return
    row = await db.fetchrow(
        "SELECT organisation_id, job_id FROM invitation WHERE id = $1 AND status = 'sending'",
        invitation_id,
    )
    if row is not None:
        await timeline.add_event(
            row["organisation_id"],
            invitation_id,
            "retrying",
            f"Attempt {job.attempts} failed, will retry: {error}",
        )
        await timeline.announce(row["organisation_id"], row["job_id"], invitation_id)


async def _create_interview(row: Any, ctx: Any) -> CreatedInterview:
    """The provider call, outside any transaction; errors become retry or permanent failure."""
    try:
        # fresh: the key is read now, so a key just changed or removed is honoured at once
        provider = await provider_clients(ctx).get(
            row["organisation_id"], row["provider"], fresh=True
        )
    except ProviderError as exc:
        raise PermanentFailure(str(exc)) from None
    try:
        return await provider.create_interview(
            row["provider_flow_id"],
            row["email"],
            row["first_name"] or None,
            row["last_name"] or None,
        )
    except ProviderError as exc:
        # Ribbon's refusals may quote the email or name; the reason lands on the timeline.
        reason = impersonal(str(exc), row["email"], (row["first_name"], row["last_name"]))
        if exc.retryable:
            raise RetryLater(reason, delay=exc.retry_after) from None
        raise PermanentFailure(reason) from None


@job_kind("invite", on_failure=_invite_failed)
async def invite(job: Job, ctx: Any) -> None:
    invitation_id = uuid.UUID(job.payload["invitation_id"])
    row = await db.fetchrow(_LOAD_SQL, invitation_id)
    if row is None or row["status"] != InvitationStatus.SENDING:
        return  # cancelled, or already done by an earlier attempt
    if not row["provider_flow_id"]:
        raise PermanentFailure("The assessment has no interview flow at the provider.")
    created = None
    if row["provider_interview_id"] is None:
        created = await _create_interview(row, ctx)
    expiry_days = ctx.settings.invite_expiry_days
    async with queue.fenced(job):
        current = await db.fetchrow(
            "SELECT status, provider_interview_id FROM invitation WHERE id = $1 FOR UPDATE",
            invitation_id,
        )
        if current is None or current["status"] != InvitationStatus.SENDING:
            return
        if current["provider_interview_id"] is None and created is not None:
            await db.fetch(
                """UPDATE invitation SET provider_interview_id = $2, interview_link = $3
                   WHERE id = $1""",
                invitation_id,
                created.interview_id,
                created.link,
            )
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=expiry_days)
        await db.fetch(
            """UPDATE invitation SET status = 'invited', failure_reason = '',
                   invited_at = now(), expires_at = $2, updated_at = now()
               WHERE id = $1""",
            invitation_id,
            expires,
        )
        await queue_invitation_email("invite", invitation_id)
        await timeline.add_event(
            row["organisation_id"],
            invitation_id,
            "invited",
            "Interview created at the provider; the link is being emailed",
            {"interview_id": created.interview_id if created else row["provider_interview_id"]},
        )
        await timeline.announce(row["organisation_id"], row["job_id"], invitation_id)


@periodic("expire_invitations", every=lambda settings: EXPIRE_EVERY_SECONDS)
@job_kind("expire_invitations")
async def expire_invitations(job: Job, ctx: Any) -> None:
    async with queue.fenced(job):
        rows = await db.fetch(
            """UPDATE invitation SET status = 'expired', updated_at = now()
               WHERE status = 'invited' AND expires_at < now()
               RETURNING id, organisation_id, job_id"""
        )
        for row in rows:
            await timeline.add_event(
                row["organisation_id"], row["id"], "expired", "The interview link expired"
            )
            await timeline.announce(row["organisation_id"], row["job_id"], row["id"])

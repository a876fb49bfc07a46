"""Giving an invitation more time or another go: extend its expiry, or re-invite after a
cancel, an expiry or a failure. A re-invite is a new attempt (a new provider interview and
link); the earlier attempt, with its status and result, is kept in `invitation_attempt`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from app import db
from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.errors import Conflict, Invalid, NotFound
from app.invitations import timeline
from app.invitations.statuses import EXTENDABLE, REINVITABLE, InvitationStatus
from app.queue import service as queue

MAX_EXTEND_DAYS = 60
DEFAULT_EXTEND_DAYS = 7

# The attempt as it ends, with the result it got (scores and summary), before it is reset.
ARCHIVE_SQL = """INSERT INTO invitation_attempt (organisation_id, invitation_id, attempt, status,
        provider_interview_id, invited_at, expires_at, completed_at, overall_score,
        failure_reason, unavailable, result, ended_by)
    SELECT i.organisation_id, i.id, i.attempt, i.status, i.provider_interview_id, i.invited_at,
        i.expires_at, i.completed_at, i.overall_score, i.failure_reason, i.unavailable,
        (SELECT jsonb_build_object('scores', r.scores, 'summary', r.summary)
           FROM assessment_result r WHERE r.invitation_id = i.id),
        $2
    FROM invitation i WHERE i.id = ANY($1::uuid[])"""

# A fresh attempt: no interview yet, so the invite job creates one and emails its link.
RESET_SQL = """UPDATE invitation SET status = 'sending', failure_reason = '', missing = '[]',
        unavailable = '[]', video_due_at = NULL, results_due_at = NULL,
        provider_interview_id = NULL, interview_link = '', provider_stage = '',
        overall_score = NULL, invited_at = NULL, completed_at = NULL, expires_at = NULL,
        attempt = attempt + 1, created_by = $2, bulk_invite_id = coalesce($3, bulk_invite_id),
        updated_at = now()
    WHERE id = ANY($1::uuid[])"""


async def start_new_attempts(
    invitation_ids: list[uuid.UUID], user: CurrentUser, bulk_id: uuid.UUID | None = None
) -> None:
    """Archive each invitation's current attempt and reset it as the next one (the caller has
    them locked, enqueues their invite jobs and records the timeline)."""
    if not invitation_ids:
        return
    await db.fetch(ARCHIVE_SQL, invitation_ids, user.id)
    await db.fetch("DELETE FROM assessment_result WHERE invitation_id = ANY($1)", invitation_ids)
    await db.fetch("DELETE FROM invitation_reminder WHERE invitation_id = ANY($1)", invitation_ids)
    await db.fetch(RESET_SQL, invitation_ids, user.id, bulk_id)


async def _lock(user: CurrentUser, invitation_id: uuid.UUID) -> Any:
    row = await db.fetchrow(
        """SELECT i.id, i.status, i.job_id, i.attempt, i.expires_at, c.erased_at
           FROM invitation i JOIN candidate c ON c.id = i.candidate_id
           WHERE i.id = $1 AND i.organisation_id = $2 FOR UPDATE OF i""",
        invitation_id,
        user.organisation_id,
    )
    if row is None:
        raise NotFound("No such invitation.")
    return row


async def reinvite(user: CurrentUser, invitation_id: uuid.UUID) -> int:
    """A new attempt for a cancelled, expired or failed invitation; returns its number."""
    async with db.transaction():
        row = await _lock(user, invitation_id)
        if row["erased_at"] is not None:
            raise Conflict("This candidate's personal data was erased: they cannot be invited.")
        if row["status"] not in REINVITABLE:
            raise Conflict(
                f"A {row['status']} invitation cannot be re-invited: only a cancelled, expired "
                "or failed one can."
            )
        await start_new_attempts([invitation_id], user)
        attempt = int(row["attempt"]) + 1
        await timeline.add_event(
            user.organisation_id,
            invitation_id,
            "reinvited",
            f"Invited again by {user.label} (attempt {attempt}, after it {row['status']}); "
            "a new interview link is sent",
            {"attempt": attempt, "previous_status": row["status"]},
            actor_user_id=user.id,
        )
        await queue.enqueue(
            "invite",
            {"invitation_id": str(invitation_id)},
            dedupe_key=f"invite:{invitation_id}",
            organisation_id=user.organisation_id,
        )
        await timeline.announce(user.organisation_id, row["job_id"], invitation_id)
        await record_audit(
            user,
            "invitation_reinvited",
            "invitation",
            str(invitation_id),
            {"attempt": attempt, "previous_status": row["status"]},
        )
    return attempt


async def extend(user: CurrentUser, invitation_id: uuid.UUID, days: int) -> dt.datetime:
    """Move the link's expiry `days` later (from now, if it has passed; an expired invitation
    is waiting again). Before-expiry reminders are due again for the new date."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTEND_DAYS:
        raise Invalid(f"Extend by a whole number of days from 1 to {MAX_EXTEND_DAYS}.")
    async with db.transaction():
        row = await _lock(user, invitation_id)
        if row["status"] not in EXTENDABLE:
            raise Conflict(
                f"A {row['status']} invitation cannot be extended: only one waiting for the "
                "candidate, or expired, can."
            )
        now = dt.datetime.now(dt.UTC)
        base = max(row["expires_at"] or now, now)
        expires = base + dt.timedelta(days=days)
        await db.fetch(
            """UPDATE invitation SET expires_at = $2, status = 'invited', updated_at = now()
               WHERE id = $1""",
            invitation_id,
            expires,
        )
        await db.fetch(
            "DELETE FROM invitation_reminder WHERE invitation_id = $1 AND slot LIKE 'before:%'",
            invitation_id,
        )
        was = " (it had expired)" if row["status"] == InvitationStatus.EXPIRED else ""
        await timeline.add_event(
            user.organisation_id,
            invitation_id,
            "extended",
            f"Link extended by {user.label} by {days} day{'s' if days != 1 else ''}, "
            f"until {expires:%d %b %Y}{was}",
            {"days": days, "expires_at": expires.isoformat()},
            actor_user_id=user.id,
        )
        await timeline.announce(user.organisation_id, row["job_id"], invitation_id)
        await record_audit(
            user,
            "invitation_extended",
            "invitation",
            str(invitation_id),
            {"days": days, "expires_at": expires.isoformat(), "was": row["status"]},
        )
    return expires


async def attempts_of(
    organisation_id: uuid.UUID, invitation_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Earlier attempts by invitation, newest first."""
    rows = await db.fetch(
        """SELECT invitation_id, attempt, status, invited_at, expires_at, completed_at,
                  overall_score, failure_reason, unavailable, result, ended_at
           FROM invitation_attempt
           WHERE organisation_id = $1 AND invitation_id = ANY($2::uuid[])
           ORDER BY invitation_id, attempt DESC""",
        organisation_id,
        invitation_ids,
    )
    out: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in rows:
        item = dict(row)
        item["overall_score"] = (
            None if row["overall_score"] is None else float(row["overall_score"])
        )
        item["summary"] = (row["result"] or {}).get("summary")
        out.setdefault(row["invitation_id"], []).append(item)
    return out


async def earlier_attempt_assessment(provider: str, interview_id: str) -> uuid.UUID | None:
    """The assessment whose invitation had this provider interview in an earlier attempt (it
    was re-invited since), in any organisation; None when no earlier attempt had it."""
    found: uuid.UUID | None = await db.fetchval(
        """SELECT i.assessment_id FROM invitation_attempt t
           JOIN invitation i ON i.id = t.invitation_id
           WHERE t.provider_interview_id = $2 AND i.provider = $1
           LIMIT 1""",
        provider,
        interview_id,
    )
    return found

"""Invitations from the recruiter's side: invite one or many (a bulk invite), retry, resend,
remind, cancel, and read their timeline for the API (cards are read in `cards.py`).

Every change writes a timeline event and announces the card in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.accounts.service import CurrentUser
from app.assessments.statuses import AssessmentStatus
from app.audit.service import record_audit
from app.audit.subjects import Subject, names_subjects
from app.emails.service import queue_invitation_email
from app.errors import NotFound
from app.invitations import reminders, renewal, timeline
from app.invitations.statuses import CANCELLABLE, InvitationStatus
from app.jobs.service import open_job
from app.queue import service as queue


class InvitationError(ValueError):
    """The action does not fit the invitation's state; the message says why."""


@dataclass(frozen=True)
class InviteOutcome:
    bulk_invite_id: uuid.UUID | None
    created: list[uuid.UUID]  # new invitations, and the reopened ones
    skipped: int  # already invited to this assessment (or erased)
    reinvited: int = 0  # of `created`, cancelled invitations reopened


async def _active_assessment(organisation_id: uuid.UUID, assessment_id: uuid.UUID) -> Any:
    row = await db.fetchrow(
        """SELECT id, job_id, status, title FROM assessment
           WHERE id = $1 AND organisation_id = $2""",
        assessment_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such assessment.")
    if row["status"] != AssessmentStatus.ACTIVE:
        raise InvitationError(
            f"The assessment “{row['title']}” is {row['status']}: only an active assessment "
            "can be used to invite candidates."
        )
    return row


async def _check_candidates(
    organisation_id: uuid.UUID, job_id: uuid.UUID, candidate_ids: list[uuid.UUID]
) -> None:
    found = await db.fetch(
        """SELECT candidate_id FROM application
           WHERE job_id = $1 AND organisation_id = $2 AND candidate_id = ANY($3::uuid[])""",
        job_id,
        organisation_id,
        candidate_ids,
    )
    unknown = set(candidate_ids) - {r["candidate_id"] for r in found}
    if unknown:
        listed = ", ".join(sorted(str(u) for u in unknown)[:5])
        raise NotFound(f"No such candidate in this job: {listed}.")


async def invite(
    user: CurrentUser, assessment_id: uuid.UUID, candidate_ids: list[uuid.UUID] | None
) -> InviteOutcome:
    """Invite the given candidates of the assessment's job (None: everyone not yet invited).
    Creating the same (assessment, candidate) twice is a no-op, so double clicks and retries
    are harmless. The provider is called by one "invite" job per invitation."""
    org = user.organisation_id
    if candidate_ids is not None:
        candidate_ids = list(dict.fromkeys(candidate_ids))
        if not candidate_ids:
            raise InvitationError("Select at least one candidate to invite.")
        if len(candidate_ids) > 5000:
            raise InvitationError("Invite at most 5,000 candidates at once.")
    async with db.transaction():
        assessment = await _active_assessment(org, assessment_id)
        job_id = assessment["job_id"]
        await open_job(org, job_id, "invite candidates")
        if candidate_ids is not None:
            await _check_candidates(org, job_id, candidate_ids)
        bulk_id: uuid.UUID = await db.fetchval(
            """INSERT INTO bulk_invite (organisation_id, job_id, assessment_id, created_by)
               VALUES ($1, $2, $3, $4) RETURNING id""",
            org,
            job_id,
            assessment_id,
            user.id,
        )
        rows = await db.fetch(
            """INSERT INTO invitation (organisation_id, assessment_id, application_id,
                   candidate_id, job_id, created_by, bulk_invite_id)
               SELECT $1, $2, ap.id, ap.candidate_id, ap.job_id, $4, $5
               FROM application ap JOIN candidate c ON c.id = ap.candidate_id
               WHERE ap.job_id = $3 AND ap.organisation_id = $1 AND c.erased_at IS NULL
                 AND ($6::uuid[] IS NULL OR ap.candidate_id = ANY($6::uuid[]))
               ORDER BY ap.created_at
               ON CONFLICT (assessment_id, candidate_id) DO NOTHING
               RETURNING id""",
            org,
            assessment_id,
            job_id,
            user.id,
            bulk_id,
            candidate_ids,
        )
        created = [r["id"] for r in rows]
        reopened = await _reopen_cancelled(org, assessment_id, user, bulk_id, candidate_ids)
        created += reopened
        requested = len(candidate_ids) if candidate_ids is not None else None
        skipped = (requested - len(created)) if requested is not None else 0
        if not created:
            await db.fetch("DELETE FROM bulk_invite WHERE id = $1", bulk_id)
            return InviteOutcome(None, [], skipped)
        again = set(reopened)
        fresh = [i for i in created if i not in again]
        await db.fetch(
            "UPDATE bulk_invite SET requested = $2, total = $3, skipped = $4 WHERE id = $1",
            bulk_id,
            requested if requested is not None else len(created),
            len(created),
            skipped,
        )
        # A statement each for all of them, not a few per invitation: 5,000 ids stay cheap.
        await timeline.add_events(
            org, fresh, "created", f"Invited by {user.label}", actor_user_id=user.id
        )
        await timeline.add_events(
            org,
            reopened,
            "reinvited",
            f"Invited again by {user.label} after the cancel; a new interview link is sent",
            actor_user_id=user.id,
        )
        await queue.enqueue_many(
            "invite",
            [{"invitation_id": str(i)} for i in created],
            organisation_id=org,
            dedupe_keys=[f"invite:{i}" for i in created],
        )
        await timeline.announce_many(org, job_id, created)
        await record_audit(
            user,
            "candidates_invited",
            "assessment",
            str(assessment_id),
            {"invited": len(fresh), "reinvited": len(reopened), "skipped": skipped},
        )
    return InviteOutcome(bulk_id, created, skipped, len(reopened))


async def _reopen_cancelled(
    org: uuid.UUID,
    assessment_id: uuid.UUID,
    user: CurrentUser,
    bulk_id: uuid.UUID,
    candidate_ids: list[uuid.UUID] | None,
) -> list[uuid.UUID]:
    """Selected candidates whose invitation was cancelled are invited again: the invitation
    starts over as `sending` without its interview, so the invite job creates a new one and
    emails a fresh link. Not for "everyone not yet invited" (a cancel there is deliberate), nor
    when results arrived after the cancel: those stay as they are."""
    if not candidate_ids:
        return []
    rows = await db.fetch(
        """SELECT i.id FROM invitation i JOIN candidate c ON c.id = i.candidate_id
           WHERE i.organisation_id = $1 AND i.assessment_id = $2 AND i.status = 'cancelled'
             AND i.candidate_id = ANY($3::uuid[]) AND c.erased_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM assessment_result r WHERE r.invitation_id = i.id)
           ORDER BY i.id
           FOR UPDATE OF i""",
        org,
        assessment_id,
        candidate_ids,
    )
    ids = [r["id"] for r in rows]
    await renewal.start_new_attempts(ids, user, bulk_id)  # the cancelled one stays an attempt
    return ids


async def _enqueue_invite(organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> None:
    await queue.enqueue(
        "invite",
        {"invitation_id": str(invitation_id)},
        dedupe_key=f"invite:{invitation_id}",
        organisation_id=organisation_id,
    )


async def _lock(organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> Any:
    row = await db.fetchrow(
        """SELECT id, status, job_id, interview_link FROM invitation
           WHERE id = $1 AND organisation_id = $2 FOR UPDATE""",
        invitation_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such invitation.")
    return row


async def retry(user: CurrentUser, invitation_id: uuid.UUID) -> None:
    """Try a failed invitation again (a new "invite" job)."""
    async with db.transaction():
        row = await _lock(user.organisation_id, invitation_id)
        if row["status"] != InvitationStatus.FAILED:
            raise InvitationError("Only a failed invitation can be retried.")
        await db.fetch(
            """UPDATE invitation SET status = 'sending', failure_reason = '', updated_at = now()
               WHERE id = $1""",
            invitation_id,
        )
        await timeline.add_event(
            user.organisation_id,
            invitation_id,
            "retried",
            f"Retried by {user.label}",
            actor_user_id=user.id,
        )
        await _enqueue_invite(user.organisation_id, invitation_id)
        await timeline.announce(user.organisation_id, row["job_id"], invitation_id)


async def send_again(
    user: CurrentUser, invitation_id: uuid.UUID, kind: str, min_interval_seconds: int = 0
) -> uuid.UUID:
    """Resend the invitation email ("invite") or send a reminder: same link, new email; refused
    (TooMany) within `min_interval_seconds` of the invitation's last email."""
    async with db.transaction():
        row = await _lock(user.organisation_id, invitation_id)
        if row["status"] != InvitationStatus.INVITED or not row["interview_link"]:
            raise InvitationError(
                "Only an invitation that is waiting for the candidate can be resent or reminded."
            )
        await reminders.check_interval(invitation_id, min_interval_seconds)
        email_id = await queue_invitation_email(kind, invitation_id)
        verb = "Invitation email resent" if kind == "invite" else "Reminder sent"
        await timeline.add_event(
            user.organisation_id,
            invitation_id,
            "resent" if kind == "invite" else "reminded",
            f"{verb} by {user.label}",
            {"email_id": str(email_id)},
            actor_user_id=user.id,
        )
        await db.fetch("UPDATE invitation SET updated_at = now() WHERE id = $1", invitation_id)
        await timeline.announce(user.organisation_id, row["job_id"], invitation_id)
        await record_audit(
            user,
            "invitation_resent" if kind == "invite" else "invitation_reminded",
            "invitation",
            str(invitation_id),
            {"email_id": str(email_id)},
        )
    return email_id


async def cancel(user: CurrentUser, invitation_id: uuid.UUID) -> None:
    async with db.transaction():
        row = await _lock(user.organisation_id, invitation_id)
        if row["status"] not in CANCELLABLE:
            raise InvitationError(f"A {row['status']} invitation cannot be cancelled.")
        await db.fetch(
            "UPDATE invitation SET status = 'cancelled', updated_at = now() WHERE id = $1",
            invitation_id,
        )
        await timeline.add_event(
            user.organisation_id,
            invitation_id,
            "cancelled",
            f"Cancelled by {user.label}",
            actor_user_id=user.id,
        )
        await timeline.announce(user.organisation_id, row["job_id"], invitation_id)
        await record_audit(user, "invitation_cancelled", "invitation", str(invitation_id))


async def events(organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT e.id, e.kind, e.message, e.at, u.email AS actor
           FROM invitation_event e LEFT JOIN app_user u ON u.id = e.actor_user_id
           WHERE e.invitation_id = $1 AND e.organisation_id = $2 ORDER BY e.id""",
        invitation_id,
        organisation_id,
    )
    return [dict(r) for r in rows]


@names_subjects("invitation")
async def _name_invitations(organisation_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[str, Subject]:
    """The audit log's names for invitations: candidate and assessment, linked to the
    candidate's page ("Erased candidate" once erased)."""
    rows = await db.fetch(
        """SELECT i.id, i.candidate_id, c.first_name, c.last_name, c.email, c.erased_at,
                  a.title
           FROM invitation i JOIN candidate c ON c.id = i.candidate_id
           JOIN assessment a ON a.id = i.assessment_id
           WHERE i.organisation_id = $1 AND i.id = ANY($2::uuid[])""",
        organisation_id,
        ids,
    )
    out = {}
    for r in rows:
        if r["erased_at"] is not None:
            out[str(r["id"])] = Subject(f"Erased candidate · {r['title']}")
            continue
        name = f"{r['first_name'] or ''} {r['last_name'] or ''}".strip() or r["email"]
        out[str(r["id"])] = Subject(
            f"{name} · {r['title']}", "candidate_detail", {"candidate_id": str(r["candidate_id"])}
        )
    return out

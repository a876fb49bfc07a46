"""Erasing a candidate: every personal string about them in their organisation is deleted or
redacted in one transaction; numbers (scores, statuses, counts) stay so reports still add up.

What counts as personal is the candidate's email, names and phone, and everything derived
from their interview (summary, transcript, media links, the provider's raw data). Any row of
the organisation whose text contains one of those strings is redacted too, so data copied
into timelines, emails, webhook payloads or the audit trail goes with them."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from app import db
from app.accounts.service import CurrentUser
from app.audit import redaction as audit_redaction
from app.audit.service import record_audit
from app.candidates.redaction import erase_identity
from app.crypto import SecretBox
from app.emails.redaction import erase_candidate_emails
from app.errors import NotFound
from app.invitations import redaction as invitation_redaction
from app.invitations import timeline
from app.privacy.deliveries import remember_email, remember_interviews
from app.privacy.matching import (
    bytes_mention,
    email_patterns,
    mentions,
    patterns,
    personal_patterns,
    strong_patterns,
)
from app.queue import service as queue
from app.reviews import redaction as review_redaction
from app.webhooks import redaction as webhook_redaction

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "candidate"
ERASED_TEXT = "[erased]"
ERASED_EVENT = "[redacted: this entry named a candidate whose data was erased]"
CONFIRM_WORD = "ERASE"


class ErasureError(ValueError):
    """The erasure was not confirmed properly; the message says what to do."""


@dataclass(frozen=True)
class ErasureCounts:
    invitations: int = 0
    results: int = 0
    emails: int = 0
    webhook_deliveries: int = 0
    timeline_events: int = 0
    audit_events: int = 0
    queue_jobs: int = 0
    reviews: int = 0


def placeholder_email(candidate_id: uuid.UUID) -> str:
    """Unique (the org/email index stays satisfied) and points nowhere (.invalid is reserved)."""
    return f"erased-{candidate_id}@erased.invalid"


def confirmed(candidate: Any, typed: str) -> bool:
    typed = (typed or "").strip()
    return typed == CONFIRM_WORD or (
        bool(typed) and typed.lower() == (candidate["email"] or "").strip().lower()
    )


async def load_candidate(
    organisation_id: uuid.UUID, candidate_id: uuid.UUID, lock: bool = False
) -> Any:
    row = await db.fetchrow(
        f"""SELECT id, organisation_id, email, first_name, last_name, phone, erased_at
            FROM candidate WHERE id = $1 AND organisation_id = $2
            {"FOR UPDATE" if lock else ""}""",
        candidate_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such candidate.")
    return row


async def preview(organisation_id: uuid.UUID, candidate_id: uuid.UUID) -> dict[str, Any]:
    """What an erasure would touch, for the confirmation page."""
    candidate = await load_candidate(organisation_id, candidate_id)
    interview_ids = await db.fetch(
        """SELECT provider_interview_id FROM invitation WHERE candidate_id = $1
             AND organisation_id = $2 AND provider_interview_id IS NOT NULL""",
        candidate_id,
        organisation_id,
    )
    keys = patterns([r["provider_interview_id"] for r in interview_ids])
    if candidate["erased_at"] is None:
        keys += email_patterns(candidate)
    row = await db.fetchrow(
        f"""WITH inv AS (SELECT id FROM invitation WHERE candidate_id = $1 AND organisation_id = $2)
            SELECT
              (SELECT count(*) FROM inv) AS invitations,
              (SELECT count(*) FROM assessment_result WHERE invitation_id IN (SELECT id FROM inv))
                AS results,
              (SELECT count(*) FROM email_message WHERE organisation_id = $2
                 AND (candidate_id = $1 OR invitation_id IN (SELECT id FROM inv)
                      OR {mentions("to_address", "$4")})) AS emails,
              (SELECT count(*) FROM webhook_delivery WHERE organisation_id = $2
                 AND redacted_at IS NULL
                 AND (invitation_id IN (SELECT id FROM inv)
                      OR {mentions("coalesce(payload::text, '')", "$3")}
                      OR (body IS NOT NULL AND {bytes_mention("body", "$3")})))
                AS webhook_deliveries
        """,
        candidate_id,
        organisation_id,
        keys,
        email_patterns(candidate),
    )
    jobs = await db.fetch(
        """SELECT j.title FROM application a JOIN job j ON j.id = a.job_id
           WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY a.created_at""",
        candidate_id,
        organisation_id,
    )
    return {
        "candidate": dict(candidate),
        "counts": dict(row) if row else {},
        "jobs": [j["title"] for j in jobs],
    }


async def erase_candidate(
    user: CurrentUser, candidate_id: uuid.UUID, typed: str, box: SecretBox, ip: str = ""
) -> ErasureCounts:
    """Erase after checking the confirmation; one transaction, so all of it or none of it."""
    org = user.organisation_id
    async with db.transaction():
        candidate = await load_candidate(org, candidate_id, lock=True)
        if not confirmed(candidate, typed):
            raise ErasureError(
                f"Type the candidate's email address or the word {CONFIRM_WORD} to confirm."
            )
        if candidate["erased_at"] is None:  # afterwards the email is the placeholder
            await remember_email(org, box.candidate_key(org, candidate["email"]))
        counts = await _erase(org, candidate, user)
        # The audit entry names the subject by id only, never the erased data.
        await record_audit(
            user, "candidate_erased", "candidate", str(candidate_id), asdict(counts), ip=ip
        )
    return counts


async def _erase(org: uuid.UUID, candidate: Any, user: CurrentUser) -> ErasureCounts:
    candidate_id = candidate["id"]
    terms, strong = personal_patterns(candidate), strong_patterns(candidate)
    invitations = await db.fetch(
        "SELECT id, job_id FROM invitation WHERE candidate_id = $1 AND organisation_id = $2 "
        "FOR UPDATE",
        candidate_id,
        org,
    )
    inv_ids = [r["id"] for r in invitations]
    interview_ids = await remember_interviews(org, inv_ids)
    keys = email_patterns(candidate) + patterns(interview_ids)
    deliveries = await webhook_redaction.erase_deliveries(org, inv_ids, mentions, terms, keys)
    results = await invitation_redaction.erase_results(org, inv_ids)
    await invitation_redaction.cut_interviews(org, inv_ids, mentions, terms)
    events = await invitation_redaction.redact_events(org, inv_ids, ERASED_EVENT, mentions, terms)
    emails = await erase_candidate_emails(
        org,
        candidate_id,
        inv_ids,
        placeholder_email(candidate_id),
        ERASED_TEXT,
        mentions,
        email_patterns(candidate),
    )
    reviews = await review_redaction.erase_reviews(org, inv_ids, ERASED_TEXT)
    audits = await audit_redaction.redact_mentions(org, mentions, strong)
    jobs = await queue.redact_finished(org, mentions, strong)
    await erase_identity(
        org, candidate_id, placeholder_email(candidate_id), ERASED_FIRST_NAME, ERASED_LAST_NAME
    )
    for inv in invitations:
        await timeline.add_event(
            org,
            inv["id"],
            "erased",
            f"Candidate's personal data erased by {user.label}",
            actor_user_id=user.id,
        )
        await timeline.announce(org, inv["job_id"], inv["id"])
    return ErasureCounts(
        invitations=len(inv_ids),
        results=results,
        emails=emails,
        webhook_deliveries=deliveries,
        timeline_events=events,
        audit_events=audits,
        queue_jobs=jobs,
        reviews=reviews,
    )

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
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.errors import NotFound
from app.invitations import timeline
from app.privacy.deliveries import redact_deliveries, remember_email, remember_interviews
from app.privacy.matching import (
    bytes_mention,
    email_patterns,
    mentions,
    patterns,
    personal_patterns,
    strong_patterns,
)

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "candidate"
ERASED_TEXT = "[erased]"
ERASED_EVENT = "[redacted: this entry named a candidate whose data was erased]"
CONFIRM_WORD = "ERASE"
# Statuses of an invitation that still waits for something to happen: an erased person is
# not interviewed any further, so these become 'cancelled'. Finished ones keep their status.
OPEN_STATUSES = ["sending", "invited", "failed"]


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
    deliveries = await redact_deliveries(org, inv_ids, terms, keys)
    results = await _count(
        """UPDATE assessment_result SET summary = NULL, transcript = '[]', question_mapping = '[]',
               audio_url = NULL, video_url = NULL, raw_payload = NULL, problems = '[]',
               updated_at = now()
           WHERE invitation_id = ANY($1::uuid[]) AND organisation_id = $2 RETURNING 1""",
        inv_ids,
        org,
    )
    # Cutting the link to the provider's interview means no late webhook or reconciliation
    # can fetch the interview again and write the erased data back.
    await db.fetch(
        f"""UPDATE invitation SET interview_link = '', provider_interview_id = NULL,
               failure_reason = CASE WHEN {mentions("failure_reason", "$3")} THEN ''
                                ELSE failure_reason END,
               status = CASE WHEN status = ANY($4::text[]) THEN 'cancelled' ELSE status END,
               updated_at = now()
           WHERE id = ANY($1::uuid[]) AND organisation_id = $2""",
        inv_ids,
        org,
        terms,
        OPEN_STATUSES,
    )
    events = await _count(
        f"""UPDATE invitation_event SET message = $3, detail = '{{}}'
            WHERE organisation_id = $2 AND invitation_id = ANY($1::uuid[])
              AND ({mentions("message", "$4")} OR {mentions("detail::text", "$4")})
            RETURNING 1""",
        inv_ids,
        org,
        ERASED_EVENT,
        terms,
    )
    emails = await _count(
        f"""UPDATE email_message SET to_address = $4, subject = $5, body_text = '',
               body_html = '', last_error = '',
               status = CASE WHEN status = 'queued' THEN 'not_sent' ELSE status END
            WHERE organisation_id = $2
              AND (candidate_id = $3 OR invitation_id = ANY($1::uuid[])
                   OR {mentions("to_address", "$6")})
            RETURNING 1""",
        inv_ids,
        org,
        candidate_id,
        placeholder_email(candidate_id),
        ERASED_TEXT,
        email_patterns(candidate),
    )
    audits = await _count(
        f"""UPDATE audit_event SET detail = '{{"redacted": true}}'
            WHERE organisation_id = $1 AND {mentions("detail::text", "$2")} RETURNING 1""",
        org,
        strong,
    )
    jobs = await _count(
        f"""UPDATE queue_job SET payload = '{{}}', last_error = ''
            WHERE organisation_id = $1 AND status IN ('done', 'dead')
              AND ({mentions("payload::text", "$2")} OR {mentions("last_error", "$2")})
            RETURNING 1""",
        org,
        strong,
    )
    await db.fetch(
        """UPDATE candidate SET email = $3, first_name = $4, last_name = $5, phone = '',
               erased_at = coalesce(erased_at, now())
           WHERE id = $1 AND organisation_id = $2""",
        candidate_id,
        org,
        placeholder_email(candidate_id),
        ERASED_FIRST_NAME,
        ERASED_LAST_NAME,
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
    )


async def _count(sql: str, *args: Any) -> int:
    return len(await db.fetch(sql, *args))

"""Applying what a provider reported to an invitation, inside the caller's (fenced) transaction:
lock the invitation, merge the result, derive the status, record the timeline, announce."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.invitations import timeline
from app.invitations.merge import current_stage, derive_status, merge_result
from app.providers.base import InterviewResult, InterviewStatus, WebhookAdapter
from app.webhooks import results

INVITATION_COLUMNS = """i.id, i.organisation_id, i.job_id, i.assessment_id, i.status, i.missing,
    i.provider, i.provider_interview_id, i.provider_stage, i.completed_at, a.video_enabled"""


@dataclass(frozen=True)
class Applied:
    invitation_id: uuid.UUID
    status_before: str
    status_after: str
    missing: list[str]
    changed: bool


RESULT_COLUMNS = """r.provider_status, r.summary, r.scores, r.transcript, r.question_mapping,
    r.audio_url, r.video_url, r.problems, r.raw_payload"""

# The invitation, its timeline events (in order), its stored result ($13..$21, none when NULL),
# the announcement ($12, none when NULL) and, when $22, its delivery marked processed: one
# round trip.
APPLY_SQL = f"""WITH inv AS (
      UPDATE invitation SET status = $2, missing = $3::jsonb, overall_score = $4,
          completed_at = CASE WHEN $5 THEN coalesce(completed_at, now()) ELSE completed_at END,
          last_checked_at = now(), updated_at = now()
      WHERE id = $1
      RETURNING id
    ), ev AS (
      INSERT INTO invitation_event
          (organisation_id, invitation_id, kind, message, detail, delivery_id)
      SELECT $6, $1, e.kind, e.message, e.detail::jsonb, $10
      FROM unnest($7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS e(kind, message, detail, n)
      ORDER BY e.n
    ), res AS ({results.upsert_cte("$1", "$6", 13)}
    ), delivery AS (
      UPDATE webhook_delivery SET status = 'processed', last_error = '', processed_at = now(),
          invitation_id = $1
      WHERE id = $10 AND $22
    )
    SELECT pg_notify($11, $12) FROM inv WHERE $12::text IS NOT NULL"""


async def lock_by_interview(
    organisation_id: uuid.UUID,
    provider: str,
    interview_id: str,
    assessment_id: uuid.UUID | None = None,
) -> Any | None:
    """The invitation of an interview, locked, with its stored result (one round trip); with
    `assessment_id`, only when the interview is that assessment's."""
    return await db.fetchrow(
        f"""SELECT {INVITATION_COLUMNS}, {RESULT_COLUMNS} FROM invitation i
            JOIN assessment a ON a.id = i.assessment_id
            LEFT JOIN assessment_result r ON r.invitation_id = i.id
            WHERE i.organisation_id = $1 AND i.provider = $2 AND i.provider_interview_id = $3
              AND ($4::uuid IS NULL OR i.assessment_id = $4)
            FOR UPDATE OF i""",
        organisation_id,
        provider,
        interview_id,
        assessment_id,
    )


async def interview_assessment(provider: str, interview_id: str) -> uuid.UUID | None:
    """The assessment an interview belongs to, in any organisation (an interview id is unique
    per provider): lets a delivery naming someone else's interview be set aside at once."""
    found: uuid.UUID | None = await db.fetchval(
        """SELECT assessment_id FROM invitation
           WHERE provider = $1 AND provider_interview_id = $2""",
        provider,
        interview_id,
    )
    return found


async def assessment_flow(assessment_id: uuid.UUID) -> str | None:
    flow: str | None = await db.fetchval(
        "SELECT provider_flow_id FROM assessment WHERE id = $1", assessment_id
    )
    return flow


async def lock_by_candidate(
    organisation_id: uuid.UUID, assessment_id: uuid.UUID, email: str
) -> list[Any]:
    """Invitations of one candidate (by email) to the assessment of the delivery, locked."""
    return await db.fetch(
        f"""SELECT {INVITATION_COLUMNS} FROM invitation i
            JOIN assessment a ON a.id = i.assessment_id
            JOIN candidate c ON c.id = i.candidate_id
            WHERE i.organisation_id = $1 AND i.assessment_id = $2 AND lower(c.email) = lower($3)
            ORDER BY i.id
            FOR UPDATE OF i""",
        organisation_id,
        assessment_id,
        email,
    )


def describe(result: InterviewResult, missing: list[str]) -> str:
    if result.status != InterviewStatus.COMPLETED:
        return "fetched result: the interview is not completed yet"
    scores = len(result.scores)
    parts = [f"{scores} score{'s' if scores != 1 else ''}"]
    parts += [f"{m} missing" for m in missing] or ["nothing missing"]
    return "fetched result: " + ", ".join(parts)


async def apply_result(
    invitation: Any,
    fetched: InterviewResult,
    adapter: WebhookAdapter,
    *,
    source_kind: str,
    source_message: str,
    delivery_id: uuid.UUID | None,
    signalled: bool,
    record_unchanged: bool = True,
    mark_delivery: bool = False,
) -> Applied:
    """Merge `fetched` into the invitation (already locked FOR UPDATE by the caller).
    `record_unchanged=False` (reconciliation) writes no timeline event when nothing changed;
    `mark_delivery` marks the delivery processed (for this invitation, no note) as well."""
    inv_id, org_id = invitation["id"], invitation["organisation_id"]
    stored = (
        results.from_row(invitation, fetched.provider, fetched.interview_id)
        if invitation.get("provider_status") is not None
        else None
    )
    merged = merge_result(stored, fetched)
    completed = merged.status == InterviewStatus.COMPLETED
    missing = adapter.missing(merged, invitation["video_enabled"]) if completed else []
    before = invitation["status"]
    status, missing = derive_status(before, merged, missing, signalled)
    columns = results.to_columns(merged)
    result_changed = stored is None or results.to_columns(stored) != columns
    old_missing = list(invitation["missing"] or [])
    changed = result_changed or status != before or missing != old_missing
    events: list[tuple[str, str, dict[str, Any]]] = []
    if changed or record_unchanged:
        events = [
            (source_kind, source_message, {}),
            (
                "result",
                describe(merged, missing) if result_changed else "fetched result: nothing new",
                {"missing": missing, "scores": len(merged.scores)},
            ),
        ]
        if status != before:
            events.append(("status", f"status: {before} -> {status}", {"to": status}))
    announcement = timeline.announcement(org_id, invitation["job_id"], inv_id) if changed else None
    await db.fetch(
        APPLY_SQL,
        inv_id,
        status,
        missing,
        adapter.overall_score(merged.scores),
        completed,
        org_id,
        *_event_arrays(events),
        delivery_id,
        timeline.UPDATES_CHANNEL,
        announcement,
        *results.stored_args(columns if result_changed else None),
        mark_delivery and delivery_id is not None,
    )
    return Applied(inv_id, before, status, missing, changed)


async def apply_move(
    invitation: Any, previous: str, new: str, delivery_id: uuid.UUID | None
) -> bool:
    """Record one provider pipeline move and recompute the current stage from all of them.
    Returns whether anything changed (a repeated move changes nothing)."""
    inv_id, org_id = invitation["id"], invitation["organisation_id"]
    inserted = await db.fetchval(
        """INSERT INTO provider_stage_move
               (organisation_id, invitation_id, previous_status, new_status, delivery_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (invitation_id, previous_status, new_status) DO NOTHING RETURNING id""",
        org_id,
        inv_id,
        previous,
        new,
        delivery_id,
    )
    if inserted is None:
        return False
    moves = await db.fetch(
        "SELECT previous_status, new_status FROM provider_stage_move WHERE invitation_id = $1",
        inv_id,
    )
    stage = current_stage((m["previous_status"], m["new_status"]) for m in moves)
    note = f"provider stage move: {previous or '(none)'} -> {new}; current stage: {stage}"
    await timeline.add_event(
        org_id,
        inv_id,
        "stage",
        note,
        {"previous": previous, "new": new, "current": stage},
        delivery_id=delivery_id,
    )
    if stage != invitation["provider_stage"]:
        await db.fetch(
            "UPDATE invitation SET provider_stage = $2, updated_at = now() WHERE id = $1",
            inv_id,
            stage,
        )
    await timeline.announce(org_id, invitation["job_id"], inv_id)
    return True


def _event_arrays(
    events: list[tuple[str, str, dict[str, Any]]],
) -> tuple[list[str], list[str], list[str]]:
    return (
        [kind for kind, _, _ in events],
        [message[:2000] for _, message, _ in events],
        [json.dumps(detail, default=str) for _, _, detail in events],
    )

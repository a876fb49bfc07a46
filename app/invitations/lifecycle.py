"""The result lifecycle of an invitation, inside the caller's (fenced) transaction: lock the
invitation, merge what the provider reported into its stored result, derive the status, record
the timeline, announce. Webhook processing and reconciliation both call `record_result`."""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.invitations import results, timeline, waits
from app.invitations.merge import current_stage, derive_status, merge_result
from app.providers.base import InterviewResult, InterviewStatus, WebhookAdapter

INVITATION_COLUMNS = """i.id, i.organisation_id, i.job_id, i.assessment_id, i.status, i.missing,
    i.provider, i.provider_interview_id, i.provider_stage, i.completed_at, a.video_enabled,
    i.unavailable"""


@dataclass(frozen=True)
class Applied:
    invitation_id: uuid.UUID
    status_before: str
    status_after: str
    missing: list[str]
    changed: bool


@dataclass(frozen=True)
class Source:
    """Who reports a result: a webhook delivery (`delivery_id`, `signalled`) or reconciliation
    (`record_unchanged=False`: no timeline event when nothing changed)."""

    kind: str
    message: str
    delivery_id: uuid.UUID | None = None
    signalled: bool = False
    record_unchanged: bool = True


RESULT_COLUMNS = """r.provider_status, r.summary, r.scores, r.transcript, r.question_mapping,
    r.audio_url, r.video_url, r.problems, r.raw_payload"""

# The invitation, its timeline events (in order), its stored result ($13..$21, none when NULL),
# the announcement ($12, none when NULL) and, with `delivery_update`, the caller's own write of
# the delivery: one round trip.
APPLY_SQL = """WITH inv AS (
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
    ), res AS ({result}
    ){also}
    SELECT pg_notify($11, $12) FROM inv WHERE $12::text IS NOT NULL"""


@functools.cache
def apply_sql(delivery_update: str | None) -> str:
    """APPLY_SQL with the delivery's owner's UPDATE (a template naming {invitation} and
    {delivery}, the parameters of the invitation's and the delivery's ids) as one more CTE."""
    also = ""
    if delivery_update:
        also = f""", delivery AS (
      {delivery_update.format(invitation="$1", delivery="$10")}
    )"""
    return APPLY_SQL.format(result=results.upsert_cte("$1", "$6", 13), also=also)


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


# An interview as a batch names it: (organisation, provider, interview id, assessment).
InterviewKey = tuple[uuid.UUID, str, str, uuid.UUID]


async def lock_by_interviews(keys: list[InterviewKey]) -> dict[InterviewKey, Any]:
    """`lock_by_interview` for a batch, in one round trip: each key's invitation, locked in id
    order (so two batches never wait on each other in a cycle), with its stored result."""
    if not keys:
        return {}
    rows = await db.fetch(
        f"""SELECT {INVITATION_COLUMNS}, {RESULT_COLUMNS} FROM invitation i
            JOIN unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS k(org, p, iv, a)
              ON i.organisation_id = k.org AND i.provider = k.p
             AND i.provider_interview_id = k.iv AND i.assessment_id = k.a
            JOIN assessment a ON a.id = i.assessment_id
            LEFT JOIN assessment_result r ON r.invitation_id = i.id
            ORDER BY i.id
            FOR UPDATE OF i""",
        *(list(column) for column in zip(*keys, strict=True)),
    )
    return {
        (r["organisation_id"], r["provider"], r["provider_interview_id"], r["assessment_id"]): r
        for r in rows
    }


async def interview_assessments(
    interviews: list[tuple[str, str]],
) -> dict[tuple[str, str], uuid.UUID]:
    """`interview_assessment` for a batch of (provider, interview id), in one round trip."""
    if not interviews:
        return {}
    rows = await db.fetch(
        """SELECT i.provider, i.provider_interview_id, i.assessment_id FROM invitation i
           JOIN unnest($1::text[], $2::text[]) AS k(p, iv)
             ON i.provider = k.p AND i.provider_interview_id = k.iv""",
        [p for p, _ in interviews],
        [iv for _, iv in interviews],
    )
    return {(r["provider"], r["provider_interview_id"]): r["assessment_id"] for r in rows}


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


async def record_result(
    organisation_id: uuid.UUID,
    provider: str,
    interview_id: str,
    fetched: InterviewResult,
    adapter: WebhookAdapter,
    source: Source,
    *,
    assessment_id: uuid.UUID | None = None,
    delivery_update: str | None = None,
) -> Applied | None:
    """Lock the invitation of an interview (with `assessment_id`, only that assessment's) and
    merge `fetched` into it; None, writing nothing, when there is no such invitation.
    `delivery_update` is the caller's UPDATE of its delivery, run in the same statement (see
    `apply_sql`)."""
    invitation = await lock_by_interview(organisation_id, provider, interview_id, assessment_id)
    if invitation is None:
        return None
    return await _apply_result(invitation, fetched, adapter, source, delivery_update)


@dataclass(frozen=True)
class Report:
    """One interview's fetched result for `apply_results`, with its invitation locked."""

    invitation: Any
    fetched: InterviewResult
    adapter: WebhookAdapter
    source: Source


async def apply_results(reports: list[Report], delivery_update: str | None = None) -> list[Applied]:
    """Merge each report into its invitation (locked by `lock_by_interviews`, one report per
    invitation), all in one pipelined round trip inside the caller's transaction."""
    prepared = [_prepare(r.invitation, r.fetched, r.adapter, r.source) for r in reports]
    if prepared:
        await db.executemany(apply_sql(delivery_update), [args for _, args, _ in prepared])
    for report, (_, _, unavailable) in zip(reports, prepared, strict=True):
        await waits.store_unavailable(report.invitation, unavailable, report.adapter)
    return [applied for applied, _, _ in prepared]


async def _apply_result(
    invitation: Any,
    fetched: InterviewResult,
    adapter: WebhookAdapter,
    source: Source,
    delivery_update: str | None,
) -> Applied:
    """Merge `fetched` into the invitation (already locked FOR UPDATE)."""
    applied, args, unavailable = _prepare(invitation, fetched, adapter, source)
    await db.fetch(apply_sql(delivery_update), *args)
    await waits.store_unavailable(invitation, unavailable, adapter)
    return applied


def _prepare(
    invitation: Any, fetched: InterviewResult, adapter: WebhookAdapter, source: Source
) -> tuple[Applied, list[Any], list[str]]:
    """The merge of `fetched` into the invitation, the arguments of `apply_sql`, and what is
    still unavailable (written by `waits.store_unavailable` when it changed)."""
    inv_id, org_id = invitation["id"], invitation["organisation_id"]
    stored = (
        results.from_row(invitation, fetched.provider, fetched.interview_id)
        if invitation.get("provider_status") is not None
        else None
    )
    merged = merge_result(stored, fetched)
    completed = merged.status == InterviewStatus.COMPLETED
    missing = adapter.missing(merged, invitation["video_enabled"]) if completed else []
    missing, unavailable = waits.split(missing, invitation["unavailable"])
    before = invitation["status"]
    status, missing = derive_status(before, merged, missing, source.signalled)
    columns = results.to_columns(merged)
    result_changed = stored is None or results.to_columns(stored) != columns
    old_missing = list(invitation["missing"] or [])
    changed = result_changed or status != before or missing != old_missing
    events: list[tuple[str, str, dict[str, Any]]] = []
    if changed or source.record_unchanged:
        events = [
            (source.kind, source.message, {}),
            (
                "result",
                describe(merged, missing) if result_changed else "fetched result: nothing new",
                {"missing": missing, "scores": len(merged.scores)},
            ),
        ]
        if status != before:
            events.append(("status", f"status: {before} -> {status}", {"to": status}))
    announcement = timeline.announcement(org_id, invitation["job_id"], inv_id) if changed else None
    args = [
        inv_id,
        status,
        missing,
        adapter.overall_score(merged.scores),
        completed,
        org_id,
        *_event_arrays(events),
        source.delivery_id,
        timeline.UPDATES_CHANNEL,
        announcement,
        *results.stored_args(columns if result_changed else None),
    ]
    return Applied(inv_id, before, status, missing, changed), args, unavailable


async def record_stage_move(
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    email: str,
    previous: str,
    new: str,
    delivery_id: uuid.UUID | None,
) -> uuid.UUID | None:
    """Record a provider pipeline move on every invitation of the candidate (by email) to the
    assessment, locked; returns the first one's id, or None when there is none."""
    invitations = await lock_by_candidate(organisation_id, assessment_id, email)
    for invitation in invitations:
        await _apply_move(invitation, previous, new, delivery_id)
    return invitations[0]["id"] if invitations else None


async def mark_checked(invitation_ids: list[uuid.UUID]) -> None:
    """The invitations were just looked at by reconciliation: not picked again for a while."""
    await db.fetch(
        "UPDATE invitation SET last_checked_at = now() WHERE id = ANY($1)", invitation_ids
    )


async def _apply_move(
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

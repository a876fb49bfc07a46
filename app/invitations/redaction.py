"""Erasure and retention of what invitations hold: the personal parts of results, timelines
and the link to the provider's interview go; numbers and statuses stay. Each function runs
inside the caller's transaction; `mentions(expr, param)` is the caller's SQL test of whether
text names one of the terms in `param`."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app import db
from app.invitations.statuses import CANCELLABLE

Mentions = Callable[[str, str], str]

# Statuses of an invitation that still waits for something to happen: an erased person is
# not interviewed any further, so these become 'cancelled'. Finished ones keep their status.
OPEN_STATUSES = [s.value for s in CANCELLABLE]  # open invitations are cancelled on erasure


async def erase_results(organisation_id: uuid.UUID, invitation_ids: list[uuid.UUID]) -> int:
    """Everything derived from the interviews but the scores and status; returns how many."""
    rows = await db.fetch(
        """UPDATE assessment_result SET summary = NULL, transcript = '[]', question_mapping = '[]',
               audio_url = NULL, video_url = NULL, raw_payload = NULL, problems = '[]',
               updated_at = now()
           WHERE invitation_id = ANY($1::uuid[]) AND organisation_id = $2 RETURNING 1""",
        invitation_ids,
        organisation_id,
    )
    # Earlier attempts (re-invites) keep their scores too, not the summary or the interview.
    await db.fetch(
        """UPDATE invitation_attempt SET provider_interview_id = NULL,
               result = CASE WHEN result IS NULL THEN NULL
                             ELSE jsonb_build_object('scores', result->'scores') END
           WHERE invitation_id = ANY($1::uuid[]) AND organisation_id = $2""",
        invitation_ids,
        organisation_id,
    )
    return len(rows)


async def cut_interviews(
    organisation_id: uuid.UUID,
    invitation_ids: list[uuid.UUID],
    mentions: Mentions,
    terms: list[str],
) -> None:
    """Cutting the link to the provider's interview means no late webhook or reconciliation
    can fetch the interview again and write the erased data back; open ones are cancelled."""
    await db.fetch(
        f"""UPDATE invitation SET interview_link = '', provider_interview_id = NULL,
               failure_reason = CASE WHEN {mentions("failure_reason", "$3")} THEN ''
                                ELSE failure_reason END,
               status = CASE WHEN status = ANY($4::text[]) THEN 'cancelled' ELSE status END,
               updated_at = now()
           WHERE id = ANY($1::uuid[]) AND organisation_id = $2""",
        invitation_ids,
        organisation_id,
        terms,
        OPEN_STATUSES,
    )


async def redact_events(
    organisation_id: uuid.UUID,
    invitation_ids: list[uuid.UUID],
    replacement: str,
    mentions: Mentions,
    terms: list[str],
) -> int:
    """Timeline events of the invitations that name one of the terms: `replacement` instead."""
    rows = await db.fetch(
        f"""UPDATE invitation_event SET message = $3, detail = '{{}}'
            WHERE organisation_id = $2 AND invitation_id = ANY($1::uuid[])
              AND ({mentions("message", "$4")} OR {mentions("detail::text", "$4")})
            RETURNING 1""",
        invitation_ids,
        organisation_id,
        replacement,
        terms,
    )
    return len(rows)


async def redact_expired_raw_results(days: int, batch: int) -> list[uuid.UUID]:
    """One batch of the provider's raw interview JSON older than `days` removed; returns the
    organisation of each result touched."""
    rows = await db.fetch(
        """UPDATE assessment_result r SET raw_payload = NULL
           WHERE r.invitation_id IN (
               SELECT invitation_id FROM assessment_result
               WHERE raw_payload IS NOT NULL
                 AND coalesce(fetched_at, updated_at) < now() - make_interval(days => $1)
               LIMIT $2
               FOR UPDATE SKIP LOCKED)
           RETURNING r.organisation_id""",
        days,
        batch,
    )
    return [r["organisation_id"] for r in rows]

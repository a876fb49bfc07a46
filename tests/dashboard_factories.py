"""Dashboard test data straight in the database: invitations in every status, results in the
shape the webhook merge stores, and the worker's "update + announce" in one transaction."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app import db
from app.invitations import timeline
from tests.factories import (
    AssessmentRow,
    InvitationRow,
    make_assessment,
    make_invitation,
    make_job,
)

__all__ = [
    "FULL_SCORES",
    "AssessmentRow",
    "InvitationRow",
    "make_assessment",
    "make_invitation",
    "make_job",
    "set_result",
    "set_status",
    "worker_update",
]

FULL_SCORES: dict[str, dict[str, Any]] = {
    "communication": {"value": 4.5, "scale": 5, "label": "Communication"},
    "motivation": {"value": 4.0, "scale": 5, "label": "Motivation"},
    "skills": {"value": 3.5, "scale": 5, "label": "Skills"},
    "language_vocabulary_and_expression": {
        "value": 4.0,
        "scale": 5,
        "label": "Vocabulary and expression",
    },
    "language_grammar_and_structure": {"value": 3.0, "scale": 5, "label": "Grammar and structure"},
    "language_fluency_and_pace": {"value": 4.0, "scale": 5, "label": "Fluency and pace"},
    "language_comprehension": {"value": 5.0, "scale": 5, "label": "Comprehension"},
}
TRANSCRIPT = [
    {"role": "interviewer", "text": "Tell me about yourself.", "start": 0.0, "end": 3.2},
    {"role": "candidate", "text": "I build payment systems.", "start": 3.5, "end": 12.0},
    {"role": "interviewer", "text": "Why this role?", "start": 12.5, "end": 14.0},
    {"role": "candidate", "text": "I like hard problems.", "start": 14.2, "end": 30.0},
]
QUESTIONS = [
    {"question": "Tell me about yourself.", "segment_indices": [0, 1], "start": 0.0, "end": 12.0},
    {"question": "Why this role?", "segment_indices": [2, 3], "start": 12.5, "end": 30.0},
]


async def set_status(
    inv: InvitationRow,
    status: str,
    *,
    missing: list[str] | None = None,
    overall: float | None = None,
    failure_reason: str = "",
) -> None:
    await db.fetch(
        """UPDATE invitation SET status = $2, missing = $3::jsonb, overall_score = $4,
             failure_reason = $5, updated_at = clock_timestamp(),
             completed_at = CASE WHEN $2 IN ('partial', 'complete') THEN now() END
           WHERE id = $1""",
        inv.id,
        status,
        json.dumps(missing or []),
        overall,
        failure_reason,
    )


async def set_result(
    inv: InvitationRow,
    *,
    scores: dict[str, Any] | None = None,
    summary: str | None = "A thoughtful, well-prepared candidate.",
    transcript: list[dict[str, Any]] | None = None,
    questions: list[dict[str, Any]] | None = None,
    video_url: str | None = None,
    audio_url: str | None = None,
) -> None:
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary,
             scores, transcript, question_mapping, video_url, audio_url, fetched_at)
           VALUES ($1, $2, 'completed', $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, now())
           ON CONFLICT (invitation_id) DO UPDATE SET summary = EXCLUDED.summary,
             scores = EXCLUDED.scores, transcript = EXCLUDED.transcript,
             question_mapping = EXCLUDED.question_mapping, video_url = EXCLUDED.video_url,
             audio_url = EXCLUDED.audio_url, updated_at = clock_timestamp()""",
        inv.id,
        inv.organisation_id,
        summary,
        json.dumps(FULL_SCORES if scores is None else scores),
        json.dumps(TRANSCRIPT if transcript is None else transcript),
        json.dumps(QUESTIONS if questions is None else questions),
        video_url,
        audio_url,
    )


async def worker_update(
    inv: InvitationRow, status: str, *, rollback: bool = False, **kwargs: Any
) -> None:
    """What the webhook worker does: change the invitation, add a timeline event and announce
    it, all in one transaction (rolled back on request: then nobody must hear of it)."""

    class Rollback(Exception):
        pass

    try:
        async with db.transaction():
            await set_status(inv, status, **kwargs)
            await timeline.add_event(inv.organisation_id, inv.id, "status", f"now {status}")
            await timeline.announce(inv.organisation_id, inv.job_id, inv.id)
            if rollback:
                raise Rollback
    except Rollback:
        pass


def new_id() -> uuid.UUID:
    return uuid.uuid4()

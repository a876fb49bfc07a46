"""Erasure of a candidate from reviews and the decision trail, inside the caller's transaction.

What a person wrote about the candidate (notes, reasons) and the AI summary copied into the
trail go; the decision facts stay: who decided, when, the outcome, the stage it moved to, the
AI scores (numbers, kept as erasure keeps them elsewhere) and the version reference. The
trail's trigger allows exactly this update and no other."""

from __future__ import annotations

import uuid

from app import db


async def erase_reviews(
    organisation_id: uuid.UUID, invitation_ids: list[uuid.UUID], erased_text: str
) -> int:
    """Returns how many reviews and decisions were redacted."""
    reviews = await db.fetch(
        """UPDATE review SET notes = CASE WHEN notes = '' THEN '' ELSE $3 END, updated_at = now()
           WHERE organisation_id = $1 AND invitation_id = ANY($2::uuid[]) RETURNING id""",
        organisation_id,
        invitation_ids,
        erased_text,
    )
    decisions = await db.fetch(
        """UPDATE decision
           SET reason = CASE WHEN reason = '' THEN '' ELSE $3 END,
               ai_output = CASE WHEN ai_output ? 'summary'
                                THEN jsonb_set(ai_output, '{summary}', 'null'::jsonb)
                                ELSE ai_output END,
               redacted_at = now()
           WHERE organisation_id = $1 AND invitation_id = ANY($2::uuid[])
             AND redacted_at IS NULL
           RETURNING id""",
        organisation_id,
        invitation_ids,
        erased_text,
    )
    return len(reviews) + len(decisions)

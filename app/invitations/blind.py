"""Blind-first review: the invitations whose AI output (scores, overall score, summary) a
reviewer may not see yet, because their assessment is reviewed blind-first and the reviewer has
not submitted their own ratings (app/reviews owns those). Asked here, below reviews, so that
every place that shows AI output (the candidate page, a card, a result, the API) withholds it."""

from __future__ import annotations

import uuid
from dataclasses import replace

from app import db
from app.invitations.cards import Card
from app.invitations.result_view import ResultView


async def ai_withheld(
    organisation_id: uuid.UUID, reviewer_id: uuid.UUID, invitation_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await db.fetch(
        """SELECT i.id FROM invitation i JOIN assessment a ON a.id = i.assessment_id
           WHERE i.organisation_id = $1 AND i.id = ANY($2::uuid[]) AND a.blind_review
             AND NOT EXISTS (SELECT 1 FROM review v
                             WHERE v.invitation_id = i.id AND v.reviewer_id = $3)""",
        organisation_id,
        invitation_ids,
        reviewer_id,
    )
    return {r["id"] for r in rows}


def blind_card(card: Card) -> Card:
    """The card without its AI overall score."""
    return replace(card, overall_score=None)


def blind_result(result: ResultView) -> ResultView:
    """The result without the AI's scores and summary; transcript and recordings stay, as the
    reviewer rates from them."""
    return replace(result, card=blind_card(result.card), scores=[], summary=None)


async def blind_cards(
    organisation_id: uuid.UUID, reviewer_id: uuid.UUID, cards: list[Card]
) -> list[Card]:
    """`cards` as this reviewer may see them: withheld ones without their overall score."""
    withheld = await ai_withheld(organisation_id, reviewer_id, [c.id for c in cards])
    return [blind_card(c) if c.id in withheld else c for c in cards]

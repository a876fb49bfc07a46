"""Bulk decisions from the compare view: advance or reject several candidates of an assessment
with one reason, each becoming its own decision in the trail (app/reviews/service.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app import db
from app.accounts.service import CurrentUser
from app.errors import Conflict, Invalid, NotFound
from app.invitations.blind import ai_withheld
from app.reviews.service import SHOWN_ON_COMPARE, record_decision
from app.reviews.statuses import DecisionOutcome

MAX_BULK = 500  # decisions in one bulk request


@dataclass(frozen=True)
class BulkOutcome:
    outcome: DecisionOutcome
    decided: int
    skipped: int  # blind-first: the decider has not rated them yet


async def record_bulk(
    user: CurrentUser,
    job_id: uuid.UUID,
    assessment_id: uuid.UUID,
    outcome: str,
    reason: str,
    invitation_ids: list[uuid.UUID] | None = None,
    min_overall: float | None = None,
    move: bool = False,
    ip: str = "",
) -> BulkOutcome:
    """Advance or reject, with one reason, the selected invitations of an assessment (or all
    with an overall score of at least `min_overall`) that have results: each becomes its own
    decision in the trail, as if decided one by one from the compare view, in one transaction.
    Blind-first ones the decider has not rated are left out and counted."""
    org = user.organisation_id
    if outcome not in (DecisionOutcome.ADVANCE, DecisionOutcome.REJECT):
        raise Invalid("Bulk decisions advance or reject.")
    if min_overall is not None and not 0 <= min_overall <= 5:
        raise Invalid("The minimum overall score is a number from 0 to 5.")
    if not invitation_ids and min_overall is None:
        raise Invalid("Select candidates, or give a minimum overall score.")
    if invitation_ids is not None and len(invitation_ids) > MAX_BULK:
        raise Invalid(f"Decide on at most {MAX_BULK} candidates at once.")
    async with db.transaction():
        found = await db.fetchval(
            "SELECT 1 FROM assessment WHERE id = $1 AND job_id = $2 AND organisation_id = $3",
            assessment_id,
            job_id,
            org,
        )
        if found is None:
            raise NotFound("No such assessment in this job.")
        rows = await db.fetch(
            """SELECT i.id FROM invitation i JOIN assessment_result r ON r.invitation_id = i.id
               WHERE i.organisation_id = $1 AND i.assessment_id = $2
                 AND ($3::uuid[] IS NULL OR i.id = ANY($3::uuid[]))
                 AND ($4::numeric IS NULL OR i.overall_score >= $4)
               ORDER BY i.overall_score DESC NULLS LAST, i.id LIMIT $5""",
            org,
            assessment_id,
            invitation_ids if min_overall is None else None,
            min_overall,
            MAX_BULK + 1,
        )
        if not rows:
            raise Invalid("No candidate with results matches: nothing was decided.")
        if len(rows) > MAX_BULK:
            raise Invalid(
                f"More than {MAX_BULK} candidates match: raise the minimum score or select fewer."
            )
        withheld = await ai_withheld(org, user.id, [r["id"] for r in rows])
        decided = 0
        for row in rows:
            if row["id"] in withheld:
                continue
            await record_decision(
                user,
                row["id"],
                outcome,
                reason,
                move=move,
                ip=ip,
                shown_on=SHOWN_ON_COMPARE,
                move_where_possible=True,  # a hired candidate is not advanced further
            )
            decided += 1
        if not decided:
            raise Conflict(
                "This assessment is reviewed blind-first: rate the candidates yourself first."
            )
    return BulkOutcome(DecisionOutcome(outcome), decided, len(withheld))

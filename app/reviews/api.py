"""JSON API for reviews: an invitation's review panel as the caller may see it (blind-first
withholds the AI output and colleagues' ratings until the caller has rated), the caller's own
ratings and notes, decisions, and the organisation's decision trail (admins)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Struct

from app.accounts.service import CurrentUser
from app.errors import Invalid
from app.reviews import bulk, service
from app.reviews.service import (
    MAX_PAGE,
    AiOutput,
    DecisionEntry,
    Panel,
    ReviewEntry,
    day_end,
)
from app.reviews.statuses import DecisionOutcome

PER_PAGE = 50


class DimensionOut(Struct):
    key: str
    label: str


class AiScoreOut(Struct):
    key: str
    label: str
    value: float
    scale: float | None


class AiOut(Struct):
    """The provider's output as shown to a reviewer; `version` identifies exactly this output
    (send it with a decision to make sure it is what you looked at)."""

    version: str
    scores: list[AiScoreOut]
    summary: str | None
    result_updated_at: dt.datetime | None


class ReviewOut(Struct):
    reviewer_id: uuid.UUID
    reviewer: str
    ratings: dict[str, int]
    notes: str
    updated_at: dt.datetime


class DecisionOut(Struct):
    """`outcome`: advance, hold or reject. `ai_output`: the AI scores and summary the decider
    had on screen, as they were then (`ai_version` their digest); `redacted`: the candidate was
    erased, so the reason and the AI summary were removed."""

    id: uuid.UUID
    invitation_id: uuid.UUID
    candidate_id: uuid.UUID
    job_id: uuid.UUID
    decided_by: str
    outcome: DecisionOutcome
    reason: str
    stage_moved_to: str
    ai_shown: bool
    ai_version: str
    ai_scores: list[AiScoreOut]
    ai_summary: str | None
    decided_at: dt.datetime
    redacted: bool


class PanelOut(Struct):
    """`withheld`: the assessment is reviewed blind-first and you have not rated yet, so `ai`,
    `others` and `decisions` are left out until you do."""

    invitation_id: uuid.UUID
    blind: bool
    withheld: bool
    dimensions: list[DimensionOut]
    ai: AiOut | None
    mine: ReviewOut | None
    others: list[ReviewOut]
    decisions: list[DecisionOut]


class ReviewIn(Struct):
    """`ratings`: dimension key -> a whole number from 1 to 5 (the keys are the panel's
    `dimensions`)."""

    ratings: dict[str, int]
    notes: str = ""


class DecisionIn(Struct):
    """`reason` is required to reject. `move_stage`: also move the application (advance: to
    the next stage; reject: to rejected). `ai_version`: the AI output you decided on (from
    the panel); if it has changed since, the answer is 409 and nothing is recorded."""

    outcome: str
    reason: str = ""
    move_stage: bool = False
    ai_version: str | None = None


class BulkDecisionIn(Struct):
    """Advance or reject, with one reason, `invitation_ids` of the assessment, or (with
    `min_overall`, 0-5) all of its invitations with at least that overall score; at most 500.
    Only invitations with results are decided; each becomes its own decision."""

    assessment_id: uuid.UUID
    outcome: str
    reason: str = ""
    invitation_ids: list[uuid.UUID] | None = None
    min_overall: float | None = None
    move_stage: bool = False


class BulkDecisionOut(Struct):
    """`skipped`: blind-first invitations you have not rated yet (not decided)."""

    outcome: DecisionOutcome
    decided: int
    skipped: int


class DecisionPage(Struct):
    decisions: list[DecisionOut]
    page: int
    has_more: bool


def _scores(raw: list[dict[str, Any]]) -> list[AiScoreOut]:
    return [AiScoreOut(s["key"], s["label"], s["value"], s.get("scale")) for s in raw]


def _ai(ai: AiOutput | None) -> AiOut | None:
    if ai is None:
        return None
    return AiOut(ai.version, _scores(ai.scores), ai.summary, ai.result_updated_at)


def _review(r: ReviewEntry) -> ReviewOut:
    return ReviewOut(r.reviewer_id, r.reviewer, r.ratings, r.notes, r.updated_at)


def decision_out(d: DecisionEntry) -> DecisionOut:
    return DecisionOut(
        id=d.id,
        invitation_id=d.invitation_id,
        candidate_id=d.candidate_id,
        job_id=d.job_id,
        decided_by=d.decided_by,
        outcome=d.outcome,
        reason=d.reason,
        stage_moved_to=d.stage_moved_to,
        ai_shown=d.ai_shown,
        ai_version=d.ai_version,
        ai_scores=_scores(d.ai_output.get("scores", [])),
        ai_summary=d.ai_output.get("summary"),
        decided_at=d.decided_at,
        redacted=d.redacted,
    )


def panel_out(p: Panel) -> PanelOut:
    return PanelOut(
        invitation_id=p.invitation_id,
        blind=p.blind,
        withheld=p.withheld,
        dimensions=[DimensionOut(k, label) for k, label in p.dimensions],
        ai=_ai(p.ai),
        mine=_review(p.mine) if p.mine else None,
        others=[_review(r) for r in p.others],
        decisions=[decision_out(d) for d in p.decisions],
    )


@get(
    "/invitations/{invitation_id:uuid}/reviews",
    name="api_reviews",
    summary="An invitation's reviews, AI output and decisions, as you may see them",
)
async def get_reviews(
    user: NamedDependency[CurrentUser], invitation_id: FromPath[uuid.UUID]
) -> PanelOut:
    """409 while the invitation has no results to review."""
    return panel_out(await service.panel(user.organisation_id, user.id, invitation_id))


@post(
    "/invitations/{invitation_id:uuid}/reviews",
    name="api_review_save",
    summary="Record (or replace) your own ratings and notes",
    status_code=200,
)
async def save_review(
    user: NamedDependency[CurrentUser],
    invitation_id: FromPath[uuid.UUID],
    data: JSONBody[ReviewIn],
) -> PanelOut:
    """Answers the panel as you now see it (blind-first: with the AI output and colleagues'
    ratings)."""
    return panel_out(await service.save_review(user, invitation_id, dict(data.ratings), data.notes))


@post(
    "/invitations/{invitation_id:uuid}/decisions",
    name="api_decision_record",
    summary="Record a decision (a new trail entry)",
)
async def record_decision(
    user: NamedDependency[CurrentUser],
    invitation_id: FromPath[uuid.UUID],
    data: JSONBody[DecisionIn],
) -> Response[DecisionOut]:
    decided = await service.record_decision(
        user,
        invitation_id,
        data.outcome,
        data.reason,
        move=data.move_stage,
        shown_version=data.ai_version,
        shown_on="api",
    )
    return Response(decision_out(decided), status_code=201)


@post(
    "/jobs/{job_id:uuid}/decisions",
    name="api_bulk_decide",
    summary="Advance or reject several candidates of an assessment at once",
)
async def bulk_decide(
    user: NamedDependency[CurrentUser],
    job_id: FromPath[uuid.UUID],
    data: JSONBody[BulkDecisionIn],
) -> Response[BulkDecisionOut]:
    if data.min_overall is not None and data.invitation_ids:
        raise Invalid("Give either invitation_ids or min_overall, not both.")
    done = await bulk.record_bulk(
        user,
        job_id,
        data.assessment_id,
        data.outcome,
        data.reason,
        invitation_ids=data.invitation_ids,
        min_overall=data.min_overall,
        move=data.move_stage,
    )
    return Response(BulkDecisionOut(done.outcome, done.decided, done.skipped), status_code=201)


@get("/decisions", name="api_decisions", summary="The organisation's decision trail")
async def list_decisions(
    user: NamedDependency[CurrentUser],
    since: FromQuery[dt.date | None] = None,
    until: FromQuery[dt.date | None] = None,
    page: FromQuery[int] = 1,
) -> DecisionPage:
    """Newest first, 50 a page; `since` and `until` are days (UTC), both included."""
    if not 1 <= page <= MAX_PAGE:
        raise Invalid(f"page is a whole number from 1 to {MAX_PAGE:,}.")
    if since and until and until < since:
        raise Invalid("`until` is before `since`.")
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since else None
    end = day_end(until)
    rows = await service.trail(
        user.organisation_id, start, end, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
    )
    return DecisionPage([decision_out(d) for d in rows[:PER_PAGE]], page, len(rows) > PER_PAGE)


ROUTES = [get_reviews, save_review, record_decision, bulk_decide]
ADMIN_ROUTES = [list_decisions]

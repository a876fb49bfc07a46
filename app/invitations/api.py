"""JSON API for invitations: invite candidates to an assessment (in bulk), list them, and read
one with its result (scores as key/value/scale), transcript, media and timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, JSONBody
from msgspec import Struct, structs

from app import db
from app.accounts.service import CurrentUser
from app.assessments.service import get_assessment
from app.invitations import bulk, cards, service
from app.invitations.blind import ai_withheld, blind_cards
from app.invitations.cards import Card
from app.invitations.service import InvitationError
from app.invitations.statuses import InvitationStatus


class InviteRequest(Struct):
    candidate_ids: list[uuid.UUID]


class InvitationSummary(Struct):
    """`status`: one of `InvitationStatus`, in pipeline order."""

    id: uuid.UUID
    assessment_id: uuid.UUID
    candidate_id: uuid.UUID
    job_id: uuid.UUID
    status: InvitationStatus
    missing: list[str]
    failure_reason: str
    interview_link: str | None
    overall_score: float | None
    invited_at: dt.datetime | None
    expires_at: dt.datetime | None
    completed_at: dt.datetime | None
    updated_at: dt.datetime
    candidate_email: str
    candidate_name: str


class InviteResult(Struct):
    bulk_invite_id: uuid.UUID | None
    created: int
    skipped: int
    invitations: list[InvitationSummary]


class ScoreOut(Struct):
    key: str
    value: float
    scale: float | None
    label: str = ""


class SegmentOut(Struct):
    role: str
    text: str
    start: float | None = None
    end: float | None = None


class QuestionOut(Struct):
    question: str
    segment_indices: list[int]
    start: float | None = None
    end: float | None = None


class ResultOut(Struct):
    provider_status: str
    scores: list[ScoreOut]
    summary: str | None
    transcript: list[SegmentOut]
    questions: list[QuestionOut]
    audio_url: str | None
    video_url: str | None
    problems: list[str]
    updated_at: dt.datetime


class EventOut(Struct):
    kind: str
    message: str
    at: dt.datetime


class InvitationDetail(Struct):
    """`ai_withheld`: the assessment is reviewed blind-first and you have not submitted your
    own ratings yet, so the scores, overall score and summary are left out."""

    invitation: InvitationSummary
    result: ResultOut | None
    events: list[EventOut]
    ai_withheld: bool = False


def summary(card: Card) -> InvitationSummary:
    return InvitationSummary(
        id=card.id,
        assessment_id=card.assessment_id,
        candidate_id=card.candidate_id,
        job_id=card.job_id,
        status=InvitationStatus(card.status),
        missing=list(card.missing),
        failure_reason=card.failure_reason,
        interview_link=card.interview_link or None,
        overall_score=card.overall_score,
        invited_at=card.invited_at,
        expires_at=card.expires_at,
        completed_at=card.completed_at,
        updated_at=card.updated_at,
        candidate_email=card.candidate_email,
        candidate_name=card.candidate_name,
    )


@post(
    "/assessments/{assessment_id:uuid}/invitations",
    name="api_invite",
    summary="Invite candidates of the job to an assessment",
    status_code=202,
)
async def create_invitations(
    user: NamedDependency[CurrentUser],
    assessment_id: FromPath[uuid.UUID],
    data: JSONBody[InviteRequest],
) -> InviteResult:
    """Each new invitation starts as `sending`; a background job creates the Ribbon interview
    and emails the link. Candidates invited already are skipped (never invited twice), but a
    cancelled invitation without results is invited again (a new interview and link);
    an id that is not a candidate of the assessment's job is a 404."""
    try:
        outcome = await service.invite(user, assessment_id, data.candidate_ids)
    except InvitationError as exc:
        raise ClientException(str(exc)) from None
    listed = await cards.cards_for_assessment(user.organisation_id, assessment_id)
    wanted = set(data.candidate_ids)  # once: built per card, 5,000 ids froze the process
    return InviteResult(
        bulk_invite_id=outcome.bulk_invite_id,
        created=len(outcome.created),
        skipped=outcome.skipped,
        invitations=[summary(c) for c in listed if c.candidate_id in wanted],
    )


@get(
    "/assessments/{assessment_id:uuid}/invitations",
    name="api_invitations",
    summary="List an assessment's invitations",
)
async def list_invitations(
    user: NamedDependency[CurrentUser], assessment_id: FromPath[uuid.UUID]
) -> list[InvitationSummary]:
    await get_assessment(user.organisation_id, assessment_id)
    listed = await cards.cards_for_assessment(user.organisation_id, assessment_id)
    # Blind-first review: no overall score the caller has not rated yet (app/invitations/blind).
    return [summary(c) for c in await blind_cards(user.organisation_id, user.id, listed)]


def result_out(row: Any) -> ResultOut:
    scores = row["scores"] or {}
    return ResultOut(
        provider_status=row["provider_status"],
        scores=[
            ScoreOut(
                key=k, value=float(s["value"]), scale=s.get("scale"), label=s.get("label") or ""
            )
            for k, s in sorted(scores.items())
            if isinstance(s, dict) and s.get("value") is not None
        ],
        summary=row["summary"],
        transcript=[
            SegmentOut(
                str(t.get("role", "unknown")), str(t.get("text", "")), t.get("start"), t.get("end")
            )
            for t in row["transcript"] or []
        ],
        questions=[
            QuestionOut(
                str(q.get("question", "")),
                [int(i) for i in q.get("segment_indices") or []],
                q.get("start"),
                q.get("end"),
            )
            for q in row["question_mapping"] or []
        ],
        audio_url=row["audio_url"],
        video_url=row["video_url"],
        problems=[str(p) for p in row["problems"] or []],
        updated_at=row["updated_at"],
    )


@get(
    "/invitations/{invitation_id:uuid}",
    name="api_invitation",
    summary="Get an invitation with its result",
)
async def get_invitation(
    user: NamedDependency[CurrentUser], invitation_id: FromPath[uuid.UUID]
) -> InvitationDetail:
    org = user.organisation_id
    card = await cards.card_for(org, invitation_id)
    if card is None:
        raise NotFoundException("No such invitation.")
    row = await db.fetchrow(
        "SELECT * FROM assessment_result WHERE invitation_id = $1 AND organisation_id = $2",
        invitation_id,
        org,
    )
    events = await service.events(org, invitation_id)
    withheld = bool(await ai_withheld(org, user.id, [invitation_id]))
    result = result_out(row) if row else None
    invitation = summary(card)
    if withheld:
        invitation = structs.replace(invitation, overall_score=None)
        result = result and structs.replace(result, scores=[], summary=None)
    return InvitationDetail(
        invitation=invitation,
        result=result,
        events=[EventOut(e["kind"], e["message"], e["at"]) for e in events],
        ai_withheld=withheld,
    )


@get("/bulk-invites/{bulk_id:uuid}", name="api_bulk_invite", summary="Progress of a bulk invite")
async def bulk_invite(
    user: NamedDependency[CurrentUser], bulk_id: FromPath[uuid.UUID]
) -> dict[str, Any]:
    progress = await bulk.progress(user.organisation_id, bulk_id)
    keys = (
        "id",
        "assessment_id",
        "total",
        "skipped",
        "sending",
        "invited",
        "failed",
        "cancelled",
        "done",
    )
    return {k: progress[k] for k in keys}


ROUTES = [create_invitations, list_invitations, get_invitation, bulk_invite]

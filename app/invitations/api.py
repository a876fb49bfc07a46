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
from app.errors import Conflict
from app.invitations import bulk, cards, renewal, service
from app.invitations.blind import ai_withheld, blind_cards
from app.invitations.cards import Card
from app.invitations.service import InvitationError
from app.invitations.statuses import InvitationStatus
from app.settings import Settings


class InviteRequest(Struct):
    candidate_ids: list[uuid.UUID]


class Expected(Struct):
    """Something a `partial` invitation still waits for, and until when (null: not set yet)."""

    item: str
    label: str
    until: dt.datetime | None


class Unavailable(Struct):
    """Something expected that will not come: its wait is over, or the provider said so."""

    item: str
    label: str


class InvitationSummary(Struct):
    """`status`: one of `InvitationStatus`, in pipeline order. `missing` and `expected`: what a
    `partial` invitation still waits for; `unavailable`: what it no longer waits for."""

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
    expected: list[Expected]
    unavailable: list[Unavailable]
    attempt: int
    results_after_cancel: bool


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


class AttemptOut(Struct):
    """An earlier attempt, ended by a re-invite: its status and result then."""

    attempt: int
    status: InvitationStatus
    invited_at: dt.datetime | None
    completed_at: dt.datetime | None
    overall_score: float | None
    summary: str | None
    failure_reason: str
    ended_at: dt.datetime


class InvitationDetail(Struct):
    """`ai_withheld`: the assessment is reviewed blind-first and you have not submitted your
    own ratings yet, so the scores, overall score and summary are left out."""

    invitation: InvitationSummary
    result: ResultOut | None
    events: list[EventOut]
    attempts: list[AttemptOut]
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
        expected=[Expected(item, label, until) for item, label, until in card.expected],
        unavailable=[
            Unavailable(item, label)
            for item, label in zip(card.unavailable, card.unavailable_labels, strict=True)
        ],
        attempt=card.attempt,
        results_after_cancel=card.late_results,
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
        attempts=[
            AttemptOut(
                attempt=a["attempt"],
                status=InvitationStatus(a["status"]),
                invited_at=a["invited_at"],
                completed_at=a["completed_at"],
                overall_score=None if withheld else a["overall_score"],
                summary=None if withheld else a["summary"],
                failure_reason=a["failure_reason"],
                ended_at=a["ended_at"],
            )
            for a in (await renewal.attempts_of(org, [invitation_id])).get(invitation_id, [])
        ],
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


async def _after_action(user: CurrentUser, invitation_id: uuid.UUID) -> InvitationSummary:
    card = await cards.card_for(user.organisation_id, invitation_id)
    if card is None:
        raise NotFoundException("No such invitation.")
    return summary(card)


@post(
    "/invitations/{invitation_id:uuid}/remind",
    name="api_invitation_remind",
    summary="Send the candidate a reminder (same link)",
    status_code=200,
)
async def remind_invitation(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    invitation_id: FromPath[uuid.UUID],
) -> InvitationSummary:
    """409 unless the invitation waits for the candidate; 429 (with `Retry-After`, the time of
    the last email and when another is allowed) within `REMIND_MIN_INTERVAL_SECONDS` of the
    invitation's last email."""
    return await _send_again(user, settings, invitation_id, "reminder")


@post(
    "/invitations/{invitation_id:uuid}/resend",
    name="api_invitation_resend",
    summary="Send the invitation email again (same link)",
    status_code=200,
)
async def resend_invitation(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    invitation_id: FromPath[uuid.UUID],
) -> InvitationSummary:
    """As remind: 409 unless it waits for the candidate, 429 within the minimum interval."""
    return await _send_again(user, settings, invitation_id, "invite")


async def _send_again(
    user: CurrentUser, settings: Settings, invitation_id: uuid.UUID, kind: str
) -> InvitationSummary:
    try:
        await service.send_again(user, invitation_id, kind, settings.remind_min_interval_seconds)
    except InvitationError as exc:
        raise Conflict(str(exc)) from None
    return await _after_action(user, invitation_id)


@post(
    "/invitations/{invitation_id:uuid}/cancel",
    name="api_invitation_cancel",
    summary="Cancel an invitation the candidate has not taken",
    status_code=200,
)
async def cancel_invitation(
    user: NamedDependency[CurrentUser], invitation_id: FromPath[uuid.UUID]
) -> InvitationSummary:
    """409 when it is past the point of cancelling (the interview was taken, or it ended)."""
    try:
        await service.cancel(user, invitation_id)
    except InvitationError as exc:
        raise Conflict(str(exc)) from None
    return await _after_action(user, invitation_id)


class ExtendRequest(Struct):
    """Whole days (1 to 60) added to the link's expiry, counted from now if it has passed."""

    days: int = 7


@post(
    "/invitations/{invitation_id:uuid}/extend",
    name="api_invitation_extend",
    summary="Extend an invitation's expiry",
    status_code=200,
)
async def extend_invitation(
    user: NamedDependency[CurrentUser],
    invitation_id: FromPath[uuid.UUID],
    data: JSONBody[ExtendRequest],
) -> InvitationSummary:
    """For one waiting for the candidate, or expired (it waits again); 409 otherwise, 400 for
    days outside 1-60."""
    await renewal.extend(user, invitation_id, data.days)
    return await _after_action(user, invitation_id)


@post(
    "/invitations/{invitation_id:uuid}/reinvite",
    name="api_invitation_reinvite",
    summary="Re-invite after a cancel, an expiry or a failure (a new attempt)",
    status_code=202,
)
async def reinvite_invitation(
    user: NamedDependency[CurrentUser], invitation_id: FromPath[uuid.UUID]
) -> InvitationSummary:
    """A new attempt: `sending` again, a new provider interview and link; the earlier attempt
    stays readable (GET /invitations/{id} `attempts`). 409 for any other status."""
    await renewal.reinvite(user, invitation_id)
    return await _after_action(user, invitation_id)


ROUTES = [
    extend_invitation,
    reinvite_invitation,
    create_invitations,
    list_invitations,
    get_invitation,
    bulk_invite,
    remind_invitation,
    resend_invitation,
    cancel_invitation,
]

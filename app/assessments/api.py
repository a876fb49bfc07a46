"""JSON API for assessments: a job's list, create (which creates the provider flow), get one,
retry one whose creation failed, and read or set its reminder schedule."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from msgspec import Struct

from app.accounts.service import CurrentUser
from app.assessments import reminders, service
from app.assessments.reminders import ReminderSchedule
from app.assessments.service import AssessmentInput, AssessmentInputError
from app.assessments.statuses import AssessmentStatus
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.jobs.service import get_job
from app.providers.clients import ProviderClients
from app.providers.connection import webhook_url
from app.settings import Settings


class AssessmentCreate(Struct):
    """`language`: en-US, de-DE, es-419, fr-FR, pt-BR, hi-IN, ja-JP, zh-CN, ko-KR, vi-VN, th-TH,
    ar-AE. `interview_type`: recruitment or general. 1 to 30 questions of at most 1,000 chars."""

    title: str
    questions: list[str]
    video_enabled: bool = False
    interview_type: str = "recruitment"
    language: str = "en-US"
    intro: str = ""
    outro: str = ""
    blind_review: bool = False


class BlindReviewSet(Struct):
    """`blind_review`: reviewers see the AI scores, summary and colleagues' ratings only after
    submitting their own."""

    blind_review: bool


class ReminderScheduleBody(Struct):
    """Whole hours (1 to 2160, at most 5 each) after the invitation and before its link
    expires at which a candidate who has not taken the interview is reminded; [] for none."""

    after_invite_hours: list[int]
    before_expiry_hours: list[int]


class AssessmentOut(Struct):
    """`status`: one of `AssessmentStatus` (only an active one can invite; a failed one says why
    in failure_reason)."""

    id: uuid.UUID
    job_id: uuid.UUID
    title: str
    questions: list[str]
    video_enabled: bool
    interview_type: str
    language: str
    intro: str
    outro: str
    status: AssessmentStatus
    failure_reason: str
    provider: str
    provider_flow_id: str | None
    webhook_url: str
    created_at: dt.datetime
    reminder_schedule: ReminderScheduleBody
    blind_review: bool


class AssessmentFailed(Struct):
    status_code: int
    message: str
    assessment: AssessmentOut


def assessment_out(row: dict[str, Any], settings: Settings) -> AssessmentOut:
    return AssessmentOut(
        id=row["id"],
        job_id=row["job_id"],
        title=row["title"],
        questions=list(row["questions"]),
        video_enabled=row["video_enabled"],
        interview_type=row["interview_type"],
        language=row["language"],
        intro=row["intro"],
        outro=row["outro"],
        status=AssessmentStatus(row["status"]),
        failure_reason=row["failure_reason"],
        provider=row["provider"],
        provider_flow_id=row["provider_flow_id"],
        webhook_url=webhook_url(settings, row["provider"], row["webhook_token"]),
        created_at=row["created_at"],
        reminder_schedule=schedule_body(ReminderSchedule.from_stored(row["reminder_schedule"])),
        blind_review=row["blind_review"],
    )


def schedule_body(schedule: ReminderSchedule) -> ReminderScheduleBody:
    return ReminderScheduleBody(
        list(schedule.after_invite_hours), list(schedule.before_expiry_hours)
    )


def _created_or_failed(row: dict[str, Any], settings: Settings) -> Response[Any]:
    out = assessment_out(row, settings)
    if row["status"] == AssessmentStatus.ACTIVE:
        return Response(out, status_code=201)
    message = f"Ribbon did not create the assessment: {row['failure_reason']}"
    return Response(AssessmentFailed(502, message, out), status_code=502)


@get("/jobs/{job_id:uuid}/assessments", name="api_assessments", summary="List a job's assessments")
async def list_assessments(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    job_id: FromPath[uuid.UUID],
) -> list[AssessmentOut]:
    await get_job(user.organisation_id, job_id)
    return [
        assessment_out(r, settings)
        for r in await service.job_assessments(user.organisation_id, job_id)
    ]


@post(
    "/jobs/{job_id:uuid}/assessments",
    name="api_assessment_create",
    summary="Create an assessment (and its Ribbon interview flow)",
    responses={
        502: ResponseSpec(
            data_container=AssessmentFailed, description="Ribbon refused or was unreachable"
        )
    },
)
async def create_assessment(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
    provider_clients: NamedDependency[ProviderClients],
    job_id: FromPath[uuid.UUID],
    data: JSONBody[AssessmentCreate],
) -> Response[AssessmentOut]:
    """201 with the active assessment; 502 with the message and the failed assessment (which
    cannot be used, and can be retried with POST /assessments/{id}/retry) when Ribbon refuses
    or cannot be reached."""
    spec = AssessmentInput(
        data.title,
        data.questions,
        data.interview_type,
        data.language,
        data.video_enabled,
        data.intro,
        data.outro,
        data.blind_review,
    )
    try:
        row = await service.create_assessment(
            user.organisation_id, user.id, job_id, spec, settings, box, provider_clients
        )
    except AssessmentInputError as exc:
        raise ClientException(
            str(exc), extra=[{"key": k, "message": v} for k, v in exc.errors.items()]
        ) from None
    await record_audit(
        user,
        "assessment_created",
        "assessment",
        str(row["id"]),
        {"status": row["status"], "via": "api"},
    )
    return _created_or_failed(row, settings)


@get("/assessments/{assessment_id:uuid}", name="api_assessment", summary="Get an assessment")
async def get_assessment(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment_id: FromPath[uuid.UUID],
) -> AssessmentOut:
    return assessment_out(
        await service.get_assessment(user.organisation_id, assessment_id), settings
    )


@post(
    "/assessments/{assessment_id:uuid}/retry",
    name="api_assessment_retry",
    summary="Retry creating a failed assessment",
)
async def retry_assessment(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
    provider_clients: NamedDependency[ProviderClients],
    assessment_id: FromPath[uuid.UUID],
) -> Response[AssessmentOut]:
    try:
        row = await service.retry_flow(
            user.organisation_id, assessment_id, settings, box, provider_clients
        )
    except AssessmentInputError as exc:
        raise ClientException(str(exc)) from None
    return _created_or_failed(row, settings)


@get(
    "/assessments/{assessment_id:uuid}/reminders",
    name="api_assessment_reminders",
    summary="Get an assessment's reminder schedule",
)
async def get_reminders(
    user: NamedDependency[CurrentUser], assessment_id: FromPath[uuid.UUID]
) -> ReminderScheduleBody:
    row = await service.get_assessment(user.organisation_id, assessment_id)
    return schedule_body(ReminderSchedule.from_stored(row["reminder_schedule"]))


@put(
    "/assessments/{assessment_id:uuid}/reminders",
    name="api_assessment_reminders_set",
    summary="Set an assessment's reminder schedule",
)
async def set_reminders(
    user: NamedDependency[CurrentUser],
    assessment_id: FromPath[uuid.UUID],
    data: JSONBody[ReminderScheduleBody],
) -> ReminderScheduleBody:
    """Applies to reminders not sent yet, for every invitation of the assessment; a bad hour
    is a 400 saying which."""
    await service.get_assessment(user.organisation_id, assessment_id)
    schedule = reminders.checked(data.after_invite_hours, data.before_expiry_hours)
    await reminders.set_schedule(user.organisation_id, assessment_id, schedule)
    await record_audit(
        user,
        "reminder_schedule_changed",
        "assessment",
        str(assessment_id),
        {**schedule.stored(), "via": "api"},
    )
    return schedule_body(schedule)


@patch(
    "/assessments/{assessment_id:uuid}",
    name="api_assessment_update",
    summary="Turn blind-first review on or off",
)
async def update_assessment(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment_id: FromPath[uuid.UUID],
    data: JSONBody[BlindReviewSet],
) -> AssessmentOut:
    row = await service.set_blind_review(user.organisation_id, assessment_id, data.blind_review)
    await record_audit(
        user,
        "assessment_blind_review_set",
        "assessment",
        str(assessment_id),
        {"blind_review": data.blind_review, "via": "api"},
    )
    return assessment_out(row, settings)


ROUTES = [
    list_assessments,
    create_assessment,
    get_assessment,
    retry_assessment,
    get_reminders,
    set_reminders,
    update_assessment,
]

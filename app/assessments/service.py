"""Assessments: validate the recruiter's input, create the provider's interview flow with a
fresh webhook token and signing secret, and keep failures visible and retryable.

The row is inserted as 'creating' before the provider is called (so the webhook token exists
before any webhook can arrive), then becomes 'active' with the flow id, or 'failed' with the
provider's reason. A failed assessment keeps the recruiter's questions, cannot be used to
invite anyone, and offers Retry (same token and secret) or Delete."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from app import db
from app.audit.subjects import Subject, names_subjects
from app.crypto import SecretBox
from app.errors import NotFound
from app.jobs.service import open_job
from app.providers.base import FlowSpec, ProviderError
from app.providers.clients import ProviderClients, using
from app.providers.connection import webhook_url
from app.settings import Settings
from app.text import lines, one_line

# The languages Ribbon documents for interview flows.
LANGUAGES = {
    "en-US": "English (US)",
    "de-DE": "German",
    "es-419": "Spanish (Latin America)",
    "fr-FR": "French",
    "pt-BR": "Portuguese (Brazil)",
    "hi-IN": "Hindi",
    "ja-JP": "Japanese",
    "zh-CN": "Chinese (Simplified)",
    "ko-KR": "Korean",
    "vi-VN": "Vietnamese",
    "th-TH": "Thai",
    "ar-AE": "Arabic",
}
INTERVIEW_TYPES = {"recruitment": "Recruitment", "general": "General"}
MAX_QUESTIONS = 30
MAX_QUESTION_CHARS = 1000
MAX_TEXT = 5000


class AssessmentInputError(ValueError):
    """Input a person can fix; `errors` maps a field to its message, `questions` the index of
    each question at fault to the message shown beside it."""

    def __init__(self, errors: dict[str, str], questions: dict[int, str] | None = None) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.questions = questions or {}


@dataclass(frozen=True)
class AssessmentInput:
    title: str
    questions: list[str] = field(default_factory=list)
    interview_type: str = "recruitment"
    language: str = "en-US"
    video_enabled: bool = False
    intro: str = ""
    outro: str = ""
    blind_review: bool = False  # reviewers see no AI output until they have rated

    def cleaned(self) -> AssessmentInput:
        errors: dict[str, str] = {}
        title = one_line(self.title)
        if not 1 <= len(title) <= 200:
            errors["title"] = "Give the assessment a title of 1 to 200 characters."
        questions = [lines(q) for q in self.questions]
        at_fault: dict[int, str] = {}
        if not questions:
            errors["questions"] = "Add at least one question."
        elif len(questions) > MAX_QUESTIONS:
            errors["questions"] = f"An assessment can have at most {MAX_QUESTIONS} questions."
        elif empty := [i for i, q in enumerate(questions) if not q]:
            errors["questions"] = _empty_questions(empty)
            at_fault = {i: _empty_questions([i]) for i in empty}
        elif long := [i for i, q in enumerate(questions) if len(q) > MAX_QUESTION_CHARS]:
            errors["questions"] = f"Each question can be at most {MAX_QUESTION_CHARS:,} characters."
            at_fault = {
                i: f"Question {i + 1} is too long: it can be at most {MAX_QUESTION_CHARS:,} characters."
                for i in long
            }
        if self.interview_type not in INTERVIEW_TYPES:
            errors["interview_type"] = "Interview type must be one of: " + ", ".join(
                INTERVIEW_TYPES
            )
        if self.language not in LANGUAGES:
            errors["language"] = "Language must be one of: " + ", ".join(LANGUAGES)
        intro, outro = lines(self.intro), lines(self.outro)
        if len(intro) > MAX_TEXT or len(outro) > MAX_TEXT:
            errors["intro"] = f"Intro and outro can be at most {MAX_TEXT:,} characters."
        if errors:
            raise AssessmentInputError(errors, at_fault)
        return AssessmentInput(
            title,
            questions,
            self.interview_type,
            self.language,
            self.video_enabled,
            intro,
            outro,
            self.blind_review,
        )


def _empty_questions(indexes: list[int]) -> str:
    numbers = [str(i + 1) for i in indexes]
    if len(numbers) == 1:
        return f"Question {numbers[0]} is empty: write it or remove it."
    listed = ", ".join(numbers[:-1]) + " and " + numbers[-1]
    return f"Questions {listed} are empty: write them or remove them."


_COLUMNS = """id, job_id, title, questions, interview_type, language, video_enabled, intro, outro,
              provider, status, failure_reason, provider_flow_id, webhook_token, created_at,
              updated_at, reminder_schedule, blind_review"""


def _row(row: Any) -> dict[str, Any]:
    return dict(row)


async def get_assessment(organisation_id: uuid.UUID, assessment_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM assessment WHERE id = $1 AND organisation_id = $2",
        assessment_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such assessment.")
    return _row(row)


async def job_assessments(organisation_id: uuid.UUID, job_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"""SELECT {_COLUMNS},
              (SELECT count(*) FROM invitation i WHERE i.assessment_id = assessment.id)
                AS invitations
            FROM assessment WHERE job_id = $1 AND organisation_id = $2
            ORDER BY created_at""",
        job_id,
        organisation_id,
    )
    return [_row(r) for r in rows]


async def create_assessment(
    organisation_id: uuid.UUID,
    user_id: uuid.UUID | None,
    job_id: uuid.UUID,
    data: AssessmentInput,
    settings: Settings,
    box: SecretBox,
    clients: ProviderClients | None = None,
) -> dict[str, Any]:
    """Insert as 'creating', then create the flow; returns the row (active or failed)."""
    data = data.cleaned()
    await open_job(organisation_id, job_id, "create an assessment")
    assessment_id: uuid.UUID = await db.fetchval(
        """INSERT INTO assessment (organisation_id, job_id, title, questions, interview_type,
               language, video_enabled, intro, outro, webhook_token, webhook_secret_enc,
               created_by, status, blind_review)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, 'creating', $13)
           RETURNING id""",
        organisation_id,
        job_id,
        data.title,
        data.questions,
        data.interview_type,
        data.language,
        data.video_enabled,
        data.intro,
        data.outro,
        secrets.token_urlsafe(24),
        box.seal(secrets.token_urlsafe(32)),
        user_id,
        data.blind_review,
    )
    return await create_flow(organisation_id, assessment_id, settings, box, clients)


async def create_flow(
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    settings: Settings,
    box: SecretBox,
    clients: ProviderClients | None = None,
) -> dict[str, Any]:
    """Create (or retry creating) the provider flow of an assessment without one."""
    row = await db.fetchrow(
        """SELECT a.*, o.name AS org_name FROM assessment a
           JOIN organisation o ON o.id = a.organisation_id
           WHERE a.id = $1 AND a.organisation_id = $2""",
        assessment_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such assessment.")
    if row["provider_flow_id"]:
        return await get_assessment(organisation_id, assessment_id)
    spec = FlowSpec(
        org_name=row["org_name"],
        title=row["title"],
        questions=tuple(_row(row)["questions"]),
        interview_type=row["interview_type"],
        language=row["language"],
        video_enabled=row["video_enabled"],
        intro=row["intro"],
        outro=row["outro"],
        webhook_url=webhook_url(settings, row["provider"], row["webhook_token"]),
        webhook_secret=box.open(row["webhook_secret_enc"]),
    )
    try:
        async with using(clients, settings) as pool:
            provider = await pool.get(organisation_id, row["provider"], fresh=True)
            flow_id = await provider.create_flow(spec)
    except ProviderError as exc:
        await db.fetch(
            """UPDATE assessment SET status = 'failed', failure_reason = $2, updated_at = now()
               WHERE id = $1 AND provider_flow_id IS NULL""",
            assessment_id,
            str(exc)[:1000],
        )
    else:
        await db.fetch(
            """UPDATE assessment SET status = 'active', provider_flow_id = $2,
                   failure_reason = '', updated_at = now() WHERE id = $1""",
            assessment_id,
            flow_id,
        )
    return await get_assessment(organisation_id, assessment_id)


async def retry_flow(
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    settings: Settings,
    box: SecretBox,
    clients: ProviderClients | None = None,
) -> dict[str, Any]:
    """Retry a failed creation. The conditional update lets only one of two concurrent
    retries through (a stuck 'creating' row may be retried after two minutes)."""
    claimed = await db.fetchval(
        """UPDATE assessment SET status = 'creating', updated_at = now()
           WHERE id = $1 AND organisation_id = $2 AND provider_flow_id IS NULL
             AND (status = 'failed'
                  OR (status = 'creating' AND updated_at < now() - interval '2 minutes'))
           RETURNING id""",
        assessment_id,
        organisation_id,
    )
    if claimed is None:
        current = await get_assessment(organisation_id, assessment_id)  # 404 when not ours
        if current["status"] == "creating":
            raise AssessmentInputError({"status": "This assessment is being created already."})
        return current
    return await create_flow(organisation_id, assessment_id, settings, box, clients)


async def set_blind_review(
    organisation_id: uuid.UUID, assessment_id: uuid.UUID, on: bool
) -> dict[str, Any]:
    """Turn blind-first review on or off; returns the assessment."""
    found = await db.fetchval(
        """UPDATE assessment SET blind_review = $3, updated_at = now()
           WHERE id = $1 AND organisation_id = $2 RETURNING id""",
        assessment_id,
        organisation_id,
        on,
    )
    if found is None:
        raise NotFound("No such assessment.")
    return await get_assessment(organisation_id, assessment_id)


async def delete_unusable(organisation_id: uuid.UUID, assessment_id: uuid.UUID) -> uuid.UUID:
    """Delete an assessment that never got a flow; returns its job id."""
    job_id = await db.fetchval(
        """DELETE FROM assessment WHERE id = $1 AND organisation_id = $2
             AND provider_flow_id IS NULL AND status IN ('failed', 'creating')
           RETURNING job_id""",
        assessment_id,
        organisation_id,
    )
    if job_id is None:
        raise NotFound("No such assessment waiting to be created.")
    return uuid.UUID(str(job_id))


@names_subjects("assessment")
async def _name_assessments(organisation_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[str, Subject]:
    """The audit log's names for assessments: their title, linked."""
    rows = await db.fetch(
        "SELECT id, title FROM assessment WHERE organisation_id = $1 AND id = ANY($2::uuid[])",
        organisation_id,
        ids,
    )
    return {
        str(r["id"]): Subject(r["title"], "assessment_detail", {"assessment_id": str(r["id"])})
        for r in rows
    }

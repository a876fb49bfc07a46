"""Assessment forms: create (questions added, removed and reordered over HTMX, and without
JavaScript too), and retry or delete of a failed creation. The assessment page, with its
invitations' cards, lives in app/dashboard/assessment_routes.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.assessments import service
from app.assessments.service import (
    INTERVIEW_TYPES,
    LANGUAGES,
    MAX_QUESTIONS,
    AssessmentInput,
    AssessmentInputError,
)
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.jobs.service import get_job, open_job
from app.providers.clients import ProviderClients
from app.settings import Settings
from app.web.client_address import client_ip
from app.web.numbers import whole_number

DEFAULT_QUESTIONS = [""]


def apply_question_op(questions: list[str], op: str) -> list[str]:
    """add | remove:i | up:i | down:i on the list of questions (pure)."""
    questions = list(questions)
    action, _, index_text = op.partition(":")
    if action == "add":
        if len(questions) < MAX_QUESTIONS:
            questions.append("")
        return questions
    i = whole_number(index_text, maximum=len(questions) - 1)
    if i is None:
        return questions
    if action == "remove":
        questions.pop(i)
    elif action == "up" and i > 0:
        questions[i - 1], questions[i] = questions[i], questions[i - 1]
    elif action == "down" and i < len(questions) - 1:
        questions[i + 1], questions[i] = questions[i], questions[i + 1]
    return questions or [""]


def focus_after(op: str, questions: list[str]) -> str:
    """Where focus goes once `op` has been applied and the questions redrawn (pure): the moved
    question's button in the same direction (the other one at either end), the new question's
    text, or the text of the question now where a removed one was. "" for nowhere."""
    action, _, index_text = op.partition(":")
    last = len(questions) - 1
    if action == "add":
        return f"text:{last}"
    i = whole_number(index_text, maximum=10**6)
    if i is None:
        return ""
    if action == "up" and 0 < i <= last:
        return f"up:{i - 1}" if i - 1 > 0 else f"down:{i - 1}"
    if action == "down" and 0 <= i < last:
        return f"down:{i + 1}" if i + 1 < last else f"up:{i + 1}"
    if action == "remove":
        return f"text:{min(i, last)}"
    return ""


def first_invalid(errors: dict[str, str], question_errors: dict[int, str]) -> str:
    """The field to focus on a page of errors: the first one at fault, in the form's order."""
    if "title" in errors:
        return "title"
    if question_errors:
        return f"text:{min(question_errors)}"
    for name in ("questions", "interview_type", "language", "intro"):
        if name in errors:
            return name
    return ""


def posted_questions(form: Any) -> list[str]:
    """The form's questions, refused past the cap before anything renders them: every path
    (add, remove, reorder, create) would otherwise echo all of them back, a page many times
    the size of the request."""
    questions = [str(q) for q in form.getall("questions", [])]
    if len(questions) > MAX_QUESTIONS:
        raise ClientException(f"An assessment can have at most {MAX_QUESTIONS} questions.")
    return questions


def _form_input(form: Any) -> AssessmentInput:
    return AssessmentInput(
        title=str(form.get("title", "")),
        questions=posted_questions(form),
        interview_type=str(form.get("interview_type", "recruitment")),
        language=str(form.get("language", "en-US")),
        video_enabled=str(form.get("video_enabled", "")) in ("1", "on", "true"),
        intro=str(form.get("intro", "")),
        outro=str(form.get("outro", "")),
        blind_review=str(form.get("blind_review", "")) in ("1", "on", "true"),
    )


def _form_page(
    job: dict[str, Any],
    data: AssessmentInput,
    errors: dict[str, str] | None = None,
    question_errors: dict[int, str] | None = None,
    focus: str = "",
) -> Template:
    errors, question_errors = errors or {}, question_errors or {}
    return Template(
        "assessments/new.html",
        context={
            "job": job,
            "data": data,
            "questions": data.questions or DEFAULT_QUESTIONS,
            "errors": errors,
            "question_errors": question_errors,
            "focus": focus or first_invalid(errors, question_errors),
            "languages": LANGUAGES,
            "interview_types": INTERVIEW_TYPES,
            "max_questions": MAX_QUESTIONS,
        },
        status_code=400 if errors else 200,
    )


@get("/jobs/{job_id:uuid}/assessments/new", name="assessment_new")
async def assessment_new(
    user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template:
    job = await open_job(user.organisation_id, job_id, "create an assessment")
    return _form_page(job, AssessmentInput(title="", questions=list(DEFAULT_QUESTIONS)))


@post("/jobs/{job_id:uuid}/assessments/questions", name="assessment_questions")
async def assessment_questions(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template:
    """The questions fieldset after one edit (HTMX)."""
    await get_job(user.organisation_id, job_id)
    form = await request.form()
    op = str(form.get("op", ""))
    questions = apply_question_op(posted_questions(form), op) or [""]
    return Template(
        "assessments/_questions.html",
        context={
            "questions": questions,
            "errors": {},
            "question_errors": {},
            "focus": focus_after(op, questions),
            "max_questions": MAX_QUESTIONS,
            "job": {"id": job_id},
        },
        headers={"Vary": "HX-Request"},
    )


@post("/jobs/{job_id:uuid}/assessments", name="assessment_create")
async def assessment_create(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
    provider_clients: NamedDependency[ProviderClients],
    job_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    job = await open_job(user.organisation_id, job_id, "create an assessment")
    form = await request.form()
    data = _form_input(form)
    op = str(form.get("op", ""))
    if op:  # a question button pressed without JavaScript: re-render, create nothing
        questions = apply_question_op(data.questions, op) or [""]
        edited = AssessmentInput(**{**data.__dict__, "questions": questions})
        return _form_page(job, edited, focus=focus_after(op, questions))
    try:
        created = await service.create_assessment(
            user.organisation_id, user.id, job_id, data, settings, box, provider_clients
        )
    except AssessmentInputError as exc:
        return _form_page(job, data, exc.errors, exc.questions)
    await record_audit(
        user,
        "assessment_created",
        "assessment",
        str(created["id"]),
        {"title": created["title"], "status": created["status"]},
        ip=client_ip(request),
    )
    return Redirect(request.app.route_reverse("assessment_detail", assessment_id=created["id"]))


@post("/assessments/{assessment_id:uuid}/retry", name="assessment_retry")
async def assessment_retry(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
    provider_clients: NamedDependency[ProviderClients],
    assessment_id: FromPath[uuid.UUID],
) -> Redirect:
    try:
        result = await service.retry_flow(
            user.organisation_id, assessment_id, settings, box, provider_clients
        )
    except AssessmentInputError:
        return Redirect(request.app.route_reverse("assessment_detail", assessment_id=assessment_id))
    await record_audit(
        user,
        "assessment_retried",
        "assessment",
        str(assessment_id),
        {"status": result["status"]},
        ip=client_ip(request),
    )
    return Redirect(request.app.route_reverse("assessment_detail", assessment_id=assessment_id))


@post("/assessments/{assessment_id:uuid}/delete", name="assessment_delete")
async def assessment_delete(
    request: HTMXRequest, user: NamedDependency[CurrentUser], assessment_id: FromPath[uuid.UUID]
) -> Redirect:
    job_id = await service.delete_unusable(user.organisation_id, assessment_id)
    await record_audit(
        user, "assessment_deleted", "assessment", str(assessment_id), ip=client_ip(request)
    )
    return Redirect(request.app.route_reverse("job_detail", job_id=job_id))


@post("/assessments/{assessment_id:uuid}/blind-review", name="assessment_blind_review")
async def assessment_blind_review(
    request: HTMXRequest, user: NamedDependency[CurrentUser], assessment_id: FromPath[uuid.UUID]
) -> Redirect:
    form = await request.form()
    on = str(form.get("blind_review", "")) in ("1", "on", "true")
    await service.set_blind_review(user.organisation_id, assessment_id, on)
    await record_audit(
        user,
        "assessment_blind_review_set",
        "assessment",
        str(assessment_id),
        {"blind_review": on},
        ip=client_ip(request),
    )
    return Redirect(request.app.route_reverse("assessment_detail", assessment_id=assessment_id))


ROUTES = [
    assessment_new,
    assessment_questions,
    assessment_create,
    assessment_retry,
    assessment_delete,
    assessment_blind_review,
]

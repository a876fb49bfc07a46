"""The assessment page, which reads across features: the assessment, its webhook address,
its job, its reminder schedule (and the form that edits it) and the card of every invitation
to it."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.assessments import reminders, service
from app.assessments.reminders import ReminderSchedule
from app.assessments.service import INTERVIEW_TYPES, LANGUAGES
from app.audit.service import record_audit
from app.errors import Invalid
from app.invitations.blind import blind_cards
from app.invitations.cards import cards_for_assessment
from app.jobs.service import get_job
from app.providers.connection import webhook_url
from app.settings import Settings
from app.web.client_address import client_ip


@get("/assessments/{assessment_id:uuid}", name="assessment_detail")
async def assessment_detail(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment_id: FromPath[uuid.UUID],
) -> Template:
    return await _page(user, settings, assessment_id)


async def _page(
    user: CurrentUser,
    settings: Settings,
    assessment_id: uuid.UUID,
    reminder_form: dict[str, str] | None = None,
    reminder_error: str = "",
    status_code: int = 200,
) -> Template:
    assessment = await service.get_assessment(user.organisation_id, assessment_id)
    job = await get_job(user.organisation_id, assessment["job_id"])
    schedule = ReminderSchedule.from_stored(assessment["reminder_schedule"])
    return Template(
        "assessments/detail.html",
        context={
            "assessment": assessment,
            "job": job,
            "webhook_url": webhook_url(
                settings, assessment["provider"], assessment["webhook_token"]
            ),
            "languages": LANGUAGES,
            "interview_types": INTERVIEW_TYPES,
            "invitations": await blind_cards(
                user.organisation_id,
                user.id,
                await cards_for_assessment(user.organisation_id, assessment_id),
            ),
            "reminders": schedule,
            "reminder_form": reminder_form
            or {
                "after": ", ".join(str(h) for h in schedule.after_invite_hours),
                "before": ", ".join(str(h) for h in schedule.before_expiry_hours),
            },
            "reminder_error": reminder_error,
        },
        status_code=status_code,
    )


@post("/assessments/{assessment_id:uuid}/reminders", name="assessment_reminders")
async def assessment_reminders(
    request: Request[Any, Any, Any],
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    """Save the reminder schedule; bad hours re-render the page with the reason (400)."""
    form = await request.form()
    typed = {"after": str(form.get("after", ""))[:200], "before": str(form.get("before", ""))[:200]}
    await service.get_assessment(user.organisation_id, assessment_id)  # 404 before parsing
    try:
        schedule = reminders.checked(
            reminders.parse_hours(typed["after"], "after the invitation"),
            reminders.parse_hours(typed["before"], "before expiry"),
        )
    except Invalid as exc:
        return await _page(user, settings, assessment_id, typed, exc.message, 400)
    await reminders.set_schedule(user.organisation_id, assessment_id, schedule)
    await record_audit(
        user,
        "reminder_schedule_changed",
        "assessment",
        str(assessment_id),
        schedule.stored(),
        ip=client_ip(request),
    )
    return Redirect(
        request.app.route_reverse("assessment_detail", assessment_id=assessment_id) + "#reminders"
    )


ROUTES = [assessment_detail, assessment_reminders]

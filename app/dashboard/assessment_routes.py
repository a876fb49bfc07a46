"""The assessment page, which reads across features: the assessment, its webhook address,
its job and the card of every invitation to it."""

from __future__ import annotations

import uuid

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.accounts.service import CurrentUser
from app.assessments import service
from app.assessments.service import INTERVIEW_TYPES, LANGUAGES
from app.invitations.blind import blind_cards
from app.invitations.cards import cards_for_assessment
from app.jobs.service import get_job
from app.providers.connection import webhook_url
from app.settings import Settings


@get("/assessments/{assessment_id:uuid}", name="assessment_detail")
async def assessment_detail(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment_id: FromPath[uuid.UUID],
) -> Template:
    assessment = await service.get_assessment(user.organisation_id, assessment_id)
    job = await get_job(user.organisation_id, assessment["job_id"])
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
        },
    )


ROUTES = [assessment_detail]

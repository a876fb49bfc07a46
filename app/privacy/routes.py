"""Privacy pages for admins: erase a candidate (a confirmation page, then a POST that must
repeat the candidate's email or the word ERASE) and rotate an assessment's webhook secret."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.crypto import SecretBox
from app.privacy import erasure, rotation
from app.settings import Settings
from app.web.client_address import client_ip


async def _erase_page(
    user: CurrentUser, candidate_id: uuid.UUID, error: str = "", typed: str = ""
) -> Template:
    context: dict[str, Any] = await erasure.preview(user.organisation_id, candidate_id)
    context.update(error=error, typed=typed, confirm_word=erasure.CONFIRM_WORD)
    return Template("privacy/erase.html", context=context, status_code=400 if error else 200)


@get("/candidates/{candidate_id:uuid}/erase", name="candidate_erase")
async def erase_page(
    user: NamedDependency[CurrentUser], candidate_id: FromPath[uuid.UUID]
) -> Template:
    return await _erase_page(user, candidate_id)


@post("/candidates/{candidate_id:uuid}/erase", name="candidate_erase_post")
async def erase_submit(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    box: NamedDependency[SecretBox],
    candidate_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    form = await request.form()
    typed = str(form.get("confirmation", ""))[:500]
    try:
        await erasure.erase_candidate(user, candidate_id, typed, box, ip=client_ip(request))
    except erasure.ErasureError as exc:
        return await _erase_page(user, candidate_id, str(exc), typed)
    return Redirect(request.app.route_reverse("candidate_detail", candidate_id=candidate_id))


def duration_text(seconds: int) -> str:
    """12 hours, 90 minutes, 45 seconds: the largest unit that divides it evenly."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


async def _secret_page(
    user: CurrentUser, settings: Settings, assessment_id: uuid.UUID, **extra: Any
) -> Template:
    state = await rotation.secret_state(user.organisation_id, assessment_id)
    return Template(
        "privacy/webhook_secret.html",
        context={
            "assessment": state,
            "grace": duration_text(settings.webhook_secret_grace_seconds),
            "reconcile_after": duration_text(settings.reconcile_after_seconds),
            **extra,
        },
        status_code=400 if extra.get("error") else 200,
    )


@get(
    "/assessments/{assessment_id:uuid}/webhook-secret",
    name="webhook_secret",
)
async def secret_page(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment_id: FromPath[uuid.UUID],
    rotated: FromQuery[bool] = False,
) -> Template:
    return await _secret_page(user, settings, assessment_id, rotated=rotated)


@post(
    "/assessments/{assessment_id:uuid}/webhook-secret/rotate",
    name="webhook_secret_rotate",
)
async def rotate(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
    assessment_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    try:
        await rotation.rotate_secret(user, assessment_id, settings, box, ip=client_ip(request))
    except rotation.RotationError as exc:
        return await _secret_page(user, settings, assessment_id, error=str(exc))
    return Redirect(
        request.app.route_reverse("webhook_secret", assessment_id=assessment_id) + "?rotated=true"
    )


ADMIN_ROUTES = [erase_page, erase_submit, secret_page, rotate]

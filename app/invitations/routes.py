"""Invitation actions from the dashboard: invite selected or everyone not yet invited, follow a
bulk invite's progress, and retry, resend, remind or cancel one invitation."""

from __future__ import annotations

import json
import uuid

from litestar import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.invitations import bulk, cards, service
from app.invitations.service import InvitationError
from app.jobs.page import job_page_context
from app.jobs.service import get_job

VARY = {"Vary": "HX-Request", "Cache-Control": "no-store"}


def _uuid(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFoundException("No such candidate or assessment.") from None


@post("/jobs/{job_id:uuid}/invitations", name="invite")
async def invite(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    await get_job(user.organisation_id, job_id)
    form = await request.form()
    mode = str(form.get("mode", "selected"))
    ids = None if mode == "all" else [_uuid(v) for v in form.getall("candidate_ids", [])]
    assessment_id = _uuid(form.get("assessment_id", ""))
    try:
        outcome = await service.invite(user, assessment_id, ids)
    except InvitationError as exc:
        context = await job_page_context(user, job_id)
        context["error"] = str(exc)
        return Template("jobs/detail.html", context=context, status_code=400)
    notice = "reinvited" if outcome.reinvited else ("invited" if outcome.created else "nothing")
    return Redirect(
        f"{request.app.route_reverse('job_detail', job_id=job_id)}?notice={notice}#bulk-invites"
    )


@get("/bulk-invites/{bulk_id:uuid}", name="bulk_progress")
async def bulk_progress(
    user: NamedDependency[CurrentUser], bulk_id: FromPath[uuid.UUID]
) -> Template:
    """The progress fragment; it polls itself until nothing is left sending."""
    progress = await bulk.progress(user.organisation_id, bulk_id)
    return Template("invitations/_bulk.html", context={"bulk": progress}, headers=VARY)


@post(
    "/invitations/{invitation_id:uuid}/{action:str}",
    name="invitation_action",
)
async def invitation_action(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    invitation_id: FromPath[uuid.UUID],
    action: FromPath[str],
) -> Template | Redirect:
    try:
        if action == "retry":
            await service.retry(user, invitation_id)
        elif action == "resend":
            await service.send_again(user, invitation_id, "invite")
        elif action == "remind":
            await service.send_again(user, invitation_id, "reminder")
        elif action == "cancel":
            await service.cancel(user, invitation_id)
        else:
            raise NotFoundException("No such action.")
    except InvitationError as exc:
        raise ClientException(str(exc)) from None
    card = await cards.card_for(user.organisation_id, invitation_id)
    if card is None:
        raise NotFoundException("No such invitation.")
    if request.htmx:
        heading = cards.heading((await request.form()).get("heading"))
        toast = {
            "retry": "Retrying…",
            "resend": "Email resent.",
            "remind": "Reminder sent.",
            "cancel": "Invitation cancelled.",
        }
        # json.dumps escapes to ASCII: header values must be latin-1.
        headers = {**VARY, "HX-Trigger": json.dumps({"hw:toast": toast[action]})}
        context = {"card": card, "heading": heading}
        return Template("invitations/_card.html", context=context, headers=headers)
    return Redirect(request.app.route_reverse("job_detail", job_id=card.job_id))


ROUTES = [invite, bulk_progress, invitation_action]

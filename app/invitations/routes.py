"""Invitation actions: follow a bulk invite's progress, and retry, resend, remind, cancel,
extend or re-invite one invitation. The invite form answers on the job page: app/dashboard/job_routes.py."""

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
from app.invitations import bulk, cards, renewal, service
from app.invitations.service import InvitationError
from app.settings import Settings

VARY = {"Vary": "HX-Request", "Cache-Control": "no-store"}


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
    settings: NamedDependency[Settings],
    invitation_id: FromPath[uuid.UUID],
    action: FromPath[str],
) -> Template | Redirect:
    try:
        if action == "retry":
            await service.retry(user, invitation_id)
        elif action == "resend":
            await service.send_again(
                user, invitation_id, "invite", settings.remind_min_interval_seconds
            )
        elif action == "remind":
            await service.send_again(
                user, invitation_id, "reminder", settings.remind_min_interval_seconds
            )
        elif action == "cancel":
            await service.cancel(user, invitation_id)
        elif action == "extend":
            await renewal.extend(user, invitation_id, renewal.DEFAULT_EXTEND_DAYS)
        elif action == "reinvite":
            await renewal.reinvite(user, invitation_id)
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
            "extend": f"Link extended by {renewal.DEFAULT_EXTEND_DAYS} days.",
            "reinvite": "Invited again: a new interview link is on its way.",
        }
        # json.dumps escapes to ASCII: header values must be latin-1.
        headers = {**VARY, "HX-Trigger": json.dumps({"hw:toast": toast[action]})}
        context = {"card": card, "heading": heading}
        return Template("invitations/_card.html", context=context, headers=headers)
    return Redirect(request.app.route_reverse("job_detail", job_id=card.job_id))


ROUTES = [bulk_progress, invitation_action]

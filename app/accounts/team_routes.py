"""The Team page (admins) and each user's own password page."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from msgspec import Struct

from app.accounts import service, team
from app.accounts.browser import start_browser_session
from app.accounts.passwords import check_password
from app.accounts.service import AccountError, CurrentUser
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.settings import Settings
from app.web.client_address import client_ip

NOTICES = {
    "invited": "The invitation is on its way; the link works for 7 days.",
    "role": "The role was changed.",
    "deactivated": "The account was deactivated; its sessions and API tokens are revoked.",
    "reactivated": "The account is active again (old sessions and tokens stay revoked).",
    "resent": "The invitation was sent again; the previous link no longer works.",
}


async def _team_page(user: CurrentUser, status: int = 200, **extra: object) -> Template:
    context = {"members": await team.members(user.organisation_id), "me": user, **extra}
    return Template("accounts/team.html", context=context, status_code=status)


@get("/team", name="team")
async def team_page(user: NamedDependency[CurrentUser], done: FromQuery[str] = "") -> Template:
    return await _team_page(user, notice=NOTICES.get(done))


class InviteForm(Struct):
    email: str = ""
    name: str = ""
    role: str = "recruiter"


@post("/team/invite", name="team_invite")
async def team_invite(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    box: NamedDependency[SecretBox],
    data: Annotated[InviteForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    try:
        member_id = await team.invite(
            user, data.email, data.name, data.role, client_ip(request), box
        )
    except AccountError as exc:
        return await _team_page(user, status=400, error=str(exc), form=data)
    await record_audit(
        user,
        "member_invited",
        "user",
        str(member_id),
        {"role": data.role},
        ip=client_ip(request),
    )
    return Redirect(request.app.route_reverse("team") + "?done=invited")


async def _act(
    request: HTMXRequest, user: CurrentUser, action: str, change: Awaitable[Any]
) -> Template | Redirect:
    """Run one change to a member; a 404 for someone outside the organisation, the page with
    the reason when it is refused, else back to the list with what happened."""
    try:
        member = await change
    except LookupError:
        raise NotFoundException("No such member.") from None
    except AccountError as exc:
        return await _team_page(user, status=400, error=str(exc))
    await record_audit(user, f"member_{action}", "user", str(member["id"]), ip=client_ip(request))
    return Redirect(f"{request.app.route_reverse('team')}?done={action}")


@post("/team/{user_id:uuid}/role", name="team_role")
async def team_role(
    request: HTMXRequest, user: NamedDependency[CurrentUser], user_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    role = str((await request.form()).get("role", ""))
    return await _act(request, user, "role", team.set_role(user, user_id, role))


@post("/team/{user_id:uuid}/deactivate", name="team_deactivate")
async def team_deactivate(
    request: HTMXRequest, user: NamedDependency[CurrentUser], user_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    return await _act(request, user, "deactivated", team.deactivate(user, user_id))


@post("/team/{user_id:uuid}/reactivate", name="team_reactivate")
async def team_reactivate(
    request: HTMXRequest, user: NamedDependency[CurrentUser], user_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    return await _act(request, user, "reactivated", team.reactivate(user, user_id))


@post("/team/{user_id:uuid}/resend", name="team_resend")
async def team_resend(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    box: NamedDependency[SecretBox],
    user_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    coro = team.resend_invite(user, user_id, client_ip(request), box)
    return await _act(request, user, "resent", coro)


class PasswordForm(Struct):
    current: str = ""
    password: str = ""
    confirm: str = ""


@get("/account/password", name="account_password")
async def password_page(done: FromQuery[str] = "") -> Template:
    return Template("accounts/password.html", context={"done": bool(done)})


@post("/account/password", name="account_password_submit")
async def password_submit(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    """Change your password: every other session ends; this browser gets a new one."""
    error = None
    stored = await service.password_hash_of(user.id)
    if not await check_password(stored, data.current[:1024]):
        error = "Your current password is not right."
    elif data.password != data.confirm:
        error = "The two new passwords are not the same."
    if error is None:
        try:
            await service.change_password(user.id, data.password)
        except AccountError as exc:
            error = str(exc)
    if error is not None:
        return Template("accounts/password.html", context={"error": error}, status_code=400)
    response = Redirect(request.app.route_reverse("account_password") + "?done=1")
    await start_browser_session(response, request, user.id, settings)  # the others have ended
    await record_audit(user, "password_changed", "user", str(user.id), ip=client_ip(request))
    return response


ADMIN_ROUTES = [team_page, team_invite, team_role, team_deactivate, team_reactivate, team_resend]
ROUTES = [password_page, password_submit]

"""The Settings page (admins): the Ribbon API key, a connection test, the webhook base URL."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.crypto import SecretBox
from app.settings import Settings
from app.settings_page import service
from app.web.client_address import client_ip


async def _page(user: CurrentUser, settings: Settings, **extra: object) -> Template:
    context = {
        "connection": await service.connection(user.organisation_id),
        "webhook_base": f"{settings.public_base_url}/webhooks/ribbon/",
        "api_base": settings.ribbon_api_base,
        **extra,
    }
    status = 400 if extra.get("error") else 200
    return Template("settings_page/index.html", context=context, status_code=status)


@get("/settings", name="settings")
async def settings_page(
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    saved: FromQuery[str] = "",
) -> Template:
    notice = {
        "key": "The API key was saved, and Ribbon accepted it.",
        "removed": "The API key was removed.",
    }.get(saved)
    warning = (
        "The API key was saved, but Ribbon could not be reached to check it. "
        "Use Test connection once Ribbon is back."
        if saved == "unchecked"
        else None
    )
    return await _page(user, settings, notice=notice, warning=warning)


@post("/settings/ribbon-key", name="settings_key")
async def save_key(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
) -> Template | Redirect:
    form = await request.form()
    raw = str(form.get("api_key", ""))
    try:
        verdict = await service.save_api_key(user, raw, settings, box, client_ip(request))
    except service.ConnectionInputError as exc:
        return await _page(user, settings, error=str(exc))
    return Redirect(
        request.app.route_reverse("settings") + ("?saved=key" if verdict.ok else "?saved=unchecked")
    )


@post("/settings/ribbon-key/remove", name="settings_key_remove")
async def remove_key(request: HTMXRequest, user: NamedDependency[CurrentUser]) -> Redirect:
    await service.remove_api_key(user, client_ip(request))
    return Redirect(request.app.route_reverse("settings") + "?saved=removed")


@post("/settings/test-connection", name="settings_test")
async def connection_test(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
) -> Template:
    verdict = await service.check_connection(user, settings, box, client_ip(request))
    if request.htmx:
        return Template("settings_page/_verdict.html", context={"verdict": verdict})
    return await _page(user, settings, verdict=verdict)


ADMIN_ROUTES = [settings_page, save_key, remove_key, connection_test]

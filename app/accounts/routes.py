"""Login and logout pages."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from msgspec import Struct

from app.accounts import devices, resets, service
from app.accounts.auth import SESSION_COOKIE
from app.accounts.browser import start_browser_session
from app.accounts.devices import DEVICE_COOKIE
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.settings import Settings
from app.web.client_address import client_ip


class LoginForm(Struct):
    email: str = ""
    password: str = ""
    next: str = "/"


def safe_next(target: str) -> str:
    """Only local paths: an attacker's link must not bounce a fresh login to another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:500]


def _wait_text(seconds: int) -> str:
    return "1 second" if seconds == 1 else f"{seconds} seconds"


@get("/login", name="login")
async def login_page(
    request: HTMXRequest, next: FromQuery[str] = "/", notice: FromQuery[str] = ""
) -> Template | Redirect:
    if request.scope.get("user") is not None:
        return Redirect(safe_next(next))
    context = {"next": safe_next(next), "email": "", "notice": notice[:40]}
    return Template("accounts/login.html", context=context)


@post("/login", name="login_submit")
async def login_submit(
    request: HTMXRequest,
    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    settings: NamedDependency[Settings],
) -> Template | Redirect:
    ip = client_ip(request)
    device_cookie = request.cookies.get(DEVICE_COOKIE)
    outcome = await service.attempt_login(
        data.email,
        data.password,
        ip,
        devices.device_for(settings.secret_key, device_cookie, data.email),
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
    )
    response = Redirect(safe_next(data.next))
    if outcome.user is not None and not await start_browser_session(
        response, request, outcome.user.id, settings, password_seen=outcome.password_seen
    ):
        outcome = service.LoginOutcome(None)  # changed while checked: as a wrong password
    if outcome.user is None:
        error = "That email and password do not match an account."
        if outcome.retry_after:
            error = (
                f"Too many failed logins for this email or from this network. Try again in "
                f"{_wait_text(outcome.retry_after)}. A browser that has logged in to this "
                "account before is not held back."
            )
        page = Template(
            "accounts/login.html",
            context={"next": safe_next(data.next), "email": data.email[:254], "error": error},
            status_code=429 if outcome.retry_after else 401,
        )
        if outcome.retry_after:
            page.headers["Retry-After"] = str(outcome.retry_after)
        return page
    user = outcome.user
    await record_audit(user, "login", "user", str(user.id), ip=ip)
    response.cookies.append(
        Cookie(
            key=DEVICE_COOKIE,
            value=devices.remember(settings.secret_key, device_cookie, user.email),
            max_age=devices.MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/login",
        )
    )
    return response


@post("/logout", name="logout")
async def logout(request: HTMXRequest) -> Redirect:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await service.end_session(token)
    response = Redirect(request.app.route_reverse("login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class ForgotForm(Struct):
    email: str = ""


class ResetForm(Struct):
    token: str = ""
    password: str = ""
    confirm: str = ""


SENT = (
    "If an account uses that address, an email with a link to set a new password is on its "
    "way. The link works for an hour, once."
)


@get("/login/forgot", name="password_forgot")
async def forgot_page() -> Template:
    return Template("accounts/forgot.html", context={"email": ""})


@post("/login/forgot", name="password_forgot_submit")
async def forgot_submit(
    request: HTMXRequest,
    data: Annotated[ForgotForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    settings: NamedDependency[Settings],
    box: NamedDependency[SecretBox],
) -> Template:
    """The same answer for any address; requests slow down like logins."""
    device_cookie = request.cookies.get(DEVICE_COOKIE)
    email = data.email.strip()[:254]
    if "@" not in email:
        return Template(
            "accounts/forgot.html",
            context={"email": email, "error": "Enter the email address you log in with."},
            status_code=400,
        )
    wait = await resets.request_reset(
        email,
        client_ip(request),
        devices.device_for(settings.secret_key, device_cookie, email),
        box,
    )
    if wait:
        page = Template(
            "accounts/forgot.html",
            context={
                "email": email,
                "error": f"Too many requests for this email or from this network. Try again "
                f"in {_wait_text(wait)}.",
            },
            status_code=429,
        )
        page.headers["Retry-After"] = str(wait)
        return page
    return Template("accounts/forgot.html", context={"email": "", "sent": SENT})


@get("/login/reset", name="password_reset")
async def reset_page(token: FromQuery[str] = "") -> Template:
    valid = await resets.valid_reset(token[:200])
    return Template(
        "accounts/reset.html",
        context={"token": token[:200] if valid else "", "expired": valid is None},
        status_code=200 if valid else 400,
    )


@post("/login/reset", name="password_reset_submit")
async def reset_submit(
    data: Annotated[ResetForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    try:
        user_id = await resets.reset_password(data.token[:200], data.password, data.confirm)
    except service.AccountError as exc:
        valid = await resets.valid_reset(data.token[:200])
        return Template(
            "accounts/reset.html",
            context={
                "token": data.token[:200] if valid else "",
                "expired": valid is None,
                "error": str(exc),
            },
            status_code=400,
        )
    user = await service.user_by_id(user_id)
    if user is not None:
        await record_audit(user, "password_reset", "user", str(user.id))
    return Redirect("/login?notice=password_reset")


PUBLIC_ROUTES = [
    login_page,
    login_submit,
    logout,
    forgot_page,
    forgot_submit,
    reset_page,
    reset_submit,
]

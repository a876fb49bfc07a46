"""A browser's session: the session cookie and the CSRF token bound to it, issued together at
login and when a password change ends the others."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar.datastructures import Cookie
from litestar.middleware.csrf import generate_csrf_token
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from app.accounts import service
from app.accounts.auth import CSRF_COOKIE, SESSION_COOKIE
from app.settings import Settings
from app.web.client_address import client_ip


async def start_browser_session(
    response: Redirect,
    request: HTMXRequest,
    user_id: uuid.UUID,
    settings: Settings,
    password_seen: dt.datetime | None = None,
) -> bool:
    """A new session for this browser, its cookie and a fresh CSRF token bound to it: a token
    issued before (or planted by someone else) is not accepted afterwards. False, and no
    cookie, when the password changed since `password_seen` (see `service.start_session`)."""
    csrf = generate_csrf_token(settings.secret_key)
    try:
        token = await service.start_session(
            user_id,
            client_ip(request),
            request.headers.get("user-agent", ""),
            settings.session_max_age_seconds,
            csrf_token=csrf,
            password_seen=password_seen,
        )
    except service.PasswordChanged:
        return False
    secure = settings.secure_cookies
    response.cookies.append(
        Cookie(key=CSRF_COOKIE, value=csrf, samesite="lax", secure=secure, path="/")
    )
    response.cookies.append(
        Cookie(
            key=SESSION_COOKIE,
            value=token,
            max_age=settings.session_max_age_seconds,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
    )
    return True

"""Who is calling: a session cookie (browser) or a Bearer API token (integrations).
Anonymous requests pass through; guards decide what needs a user."""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.plugins.htmx import HTMXRequest

from app.accounts import service
from app.accounts.service import CurrentUser
from app.crypto import token_hash

SESSION_COOKIE = "hw_session"
CSRF_COOKIE = "csrftoken"  # Litestar's CSRFConfig default
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class AuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            user = await service.token_user(header[7:].strip())
            if user is None:
                raise NotAuthorizedException("The API token is missing, wrong or revoked.")
            return AuthenticationResult(user=user, auth="token")
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie:
            user = await service.session_user(cookie)
            if user is not None:
                _check_bound_csrf(connection, user)
                return AuthenticationResult(user=user, auth="session")
        return AuthenticationResult(user=None, auth=None)


def _check_bound_csrf(connection: ASGIConnection, user: CurrentUser) -> None:
    """Litestar's CSRF check proves the form and the cookie agree; this proves the cookie is the
    one issued with this session at login (sessions from before binding existed are exempt)."""
    if connection.scope.get("method", "GET") in SAFE_METHODS or user.csrf_hash is None:
        return
    if connection.scope.get("path", "").startswith("/api/"):
        return  # the JSON API takes tokens only (requires_token), never this session
    issued = connection.cookies.get(CSRF_COOKIE, "")
    if not hmac.compare_digest(token_hash(issued), user.csrf_hash):
        raise PermissionDeniedException(
            "This page is from before your last login. Reload it and try again."
        )


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException("Log in to continue.")
    return user


def requires_user(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current_user(connection)


def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not current_user(connection).is_admin:
        raise PermissionDeniedException("Only an organisation admin can do this.")


def requires_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The JSON API takes Bearer tokens only: no cookies, so no CSRF exposure."""
    if connection.scope.get("auth") != "token":
        raise NotAuthorizedException("Send an API token: Authorization: Bearer <token>.")


async def provide_user(request: HTMXRequest) -> CurrentUser:
    return current_user(request)

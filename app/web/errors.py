"""Errors as a person or a program expects them: HTML pages for the browser (401 goes to the
login page), JSON with a message for the API, the webhooks and anything that asks for JSON."""

from __future__ import annotations

import urllib.parse
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ServiceUnavailableException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app import db
from app.errors import Conflict, DomainError, Forbidden, NotFound, TooMany
from app.logs import get_logger
from app.web.body_guard import ABORTED

log = get_logger(__name__)

TITLES = {
    400: "That request could not be used",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}
DATABASE_DOWN = "The database cannot be reached just now; nothing was changed. Try again shortly."
RETRY_AFTER_SECONDS = "5"


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/webhooks/", "/sandbox/", "/healthz", "/readyz")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _message(exc: Exception, status: int) -> str:
    if isinstance(exc, ValidationException):
        return "The request is not valid: " + _validation_summary(exc)
    if isinstance(exc, HTTPException) and exc.detail:
        return str(exc.detail)
    return TITLES.get(status, "Error")


def _validation_summary(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in extra[:5]:
        if isinstance(item, dict):
            key = item.get("key") or item.get("source") or "body"
            parts.append(f"{key}: {item.get('message', 'invalid')}")
    return "; ".join(parts) or str(exc.detail or "invalid input")


def as_http(exc: DomainError) -> HTTPException:
    """A service's refusal as the HTTP answer it stands for, with its message as the detail."""
    if isinstance(exc, NotFound):
        return NotFoundException(exc.message)
    if isinstance(exc, Conflict):
        return ClientException(exc.message, status_code=409)
    if isinstance(exc, Forbidden):
        return PermissionDeniedException(exc.message)
    if isinstance(exc, TooMany):
        return TooManyRequestsException(exc.message, headers={"Retry-After": str(exc.retry_after)})
    return ClientException(exc.message)  # Invalid, and any refusal without a kind of its own


def _login(request: Request[Any, Any, Any]) -> str:
    return request.app.route_reverse("login")


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, DomainError):
        exc = as_http(exc)
    if isinstance(exc, RecursionError):
        # Litestar's JSON decoder recurses; a body nested thousands deep is bad input, not a bug.
        exc = ValidationException("The JSON body is nested too deeply.")
    if not isinstance(exc, HTTPException) and db.outage(exc):
        # Every route, signed-in pages and the API alike: the webhook endpoint's 503, not a bug.
        log.warning("request_db_unavailable", path=request.url.path, error=type(exc).__name__)
        exc = ServiceUnavailableException(
            DATABASE_DOWN, headers={"Retry-After": RETRY_AFTER_SECONDS}
        )
    status = exc.status_code if isinstance(exc, HTTPException) else HTTP_500_INTERNAL_SERVER_ERROR
    if status >= 500 and request.scope.get("state", {}).get(ABORTED):
        # the client hung up mid-body: nobody is there for an answer, and it is not our fault
        log.info("request_aborted_by_client", path=request.url.path)
        return Response({"message": "The client closed the connection."}, status_code=400)
    if status >= 500 and not isinstance(exc, ServiceUnavailableException):
        log.error("request_failed", path=request.url.path, error=repr(exc)[:500], exc_info=exc)
    message = _message(exc, status) if status < 500 or status == 503 else TITLES[500]
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if wants_json(request):
        body: dict[str, Any] = {"status_code": status, "message": message}
        if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
            body["errors"] = exc.extra
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    if isinstance(exc, NotAuthorizedException) and request.headers.get("hx-request"):
        # A fragment (a card's poll) after the session ended: the login page must not be
        # swapped into the card; static/js/live.js offers to log in again instead.
        headers["HX-Reswap"] = "none"
        headers["HX-Trigger"] = '{"hw:logged-out": ' + _json_string(_login(request)) + "}"
        return Response({"message": message}, status_code=status, headers=headers)
    if isinstance(exc, NotAuthorizedException) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"{_login(request)}?next={urllib.parse.quote(target)}")
    if request.headers.get("hx-request"):
        # HTMX swaps nothing on errors by default; tell the page what happened instead.
        headers["HX-Reswap"] = "none"
        headers["HX-Trigger"] = '{"hw:error": ' + _json_string(message) + "}"
    return Template(
        "web/error.html",
        context={"status": status, "title": TITLES.get(status, "Error"), "message": message},
        status_code=status,
        headers=headers,
    )


def _json_string(text: str) -> str:
    import json

    return json.dumps(text)

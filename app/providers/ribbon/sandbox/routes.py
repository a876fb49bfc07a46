"""The sandbox's routers: Ribbon's API at /sandbox/api/v1, its admin at /sandbox/api/admin, and
the candidate pages at /sandbox/. Mounted in the app when SANDBOX_ENABLED, or standalone."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import HTTPException
from litestar.response import Template

from app.logs import get_logger
from app.providers.ribbon.sandbox import admin, api, pages

log = get_logger(__name__)


def page_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.error("sandbox_page_failed", path=request.url.path, error=repr(exc)[:300])
    message = (
        exc.detail if isinstance(exc, HTTPException) and status < 500 else "Something went wrong."
    )
    return Template(
        "sandbox/error.html", context={"status": status, "message": message}, status_code=status
    )


def api_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500 and not isinstance(exc, api.RibbonError):
        log.error("sandbox_api_failed", path=request.url.path, error=repr(exc)[:300])
    return api.ribbon_error_response(request, exc)


def sandbox_routers() -> list[Router]:
    ribbon_errors: dict[Any, Any] = {HTTPException: api_error, Exception: api_error}
    page_errors: dict[Any, Any] = {HTTPException: page_error, Exception: page_error}
    return [
        Router(
            "/sandbox/api",
            route_handlers=api.HANDLERS,
            guards=[api.ribbon_api_guard],
            exception_handlers=ribbon_errors,
            include_in_schema=False,
        ),
        Router(
            "/sandbox/api/admin",
            route_handlers=admin.HANDLERS,
            exception_handlers=ribbon_errors,
            include_in_schema=False,
        ),
        Router(
            "/sandbox",
            route_handlers=pages.HANDLERS,
            exception_handlers=page_errors,
            include_in_schema=False,
        ),
    ]

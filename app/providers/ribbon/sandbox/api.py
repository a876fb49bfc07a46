"""The sandbox's copy of Ribbon's documented API (`/v1/...`): Bearer auth, the documented
request fields and response shapes, Ribbon's error shapes, and the API-error knobs."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from app.providers.ribbon.sandbox import service
from app.providers.ribbon.sandbox.knobs import Knobs
from app.web.numbers import whole_number

LANGUAGES = (
    "en-US", "de-DE", "es-419", "hi-IN", "ja-JP", "pt-BR", "fr-FR", "zh-CN", "ko-KR", "vi-VN",
    "th-TH", "ar-AE",
)  # fmt: skip
INTERVIEW_TYPES = ("general", "recruitment")
UUID_SHAPED = re.compile(
    r"[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{12}"
)
OPTIONAL_TEXT = (
    "voice_id", "company_logo_url", "additional_info", "additional_instructions", "intro",
    "outro", "redirect_url", "webhook_secret_key",
)  # fmt: skip
MAX_PAGE = 100


class RibbonError(HTTPException):
    """An error answered in Ribbon's shape: {"message", "code", "status"}."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail=message, status_code=status, headers=dict(headers or {}))
        self.code = code


def ribbon_error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, RibbonError):
        body: dict[str, Any] = {"message": exc.detail, "code": exc.code, "status": exc.status_code}
        if exc.status_code not in (403, 422):
            body["errors"] = {}  # Ribbon's other errors carry an (often empty) errors object
        return Response(body, status_code=exc.status_code, headers=exc.headers or {})
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = exc.detail if isinstance(exc, HTTPException) and status < 500 else "Internal error"
    return Response(
        {"code": "error", "status": status, "message": message, "errors": {}}, status_code=status
    )


async def ribbon_api_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Simulated outages first (they happen before auth at a real provider), then the key."""
    knobs = await service.knobs_for()
    await simulate_outage(knobs)
    header = connection.headers.get("authorization", "")
    scheme, _sep, key = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not key.strip():
        raise RibbonError(401, "unauthorized", "Missing API key")
    key = key.strip()
    if not UUID_SHAPED.fullmatch(key) or key in knobs.rejected_api_keys:
        raise RibbonError(403, "forbidden", "Invalid API key")
    connection.state["ribbon_team"] = service.team_for(key)


async def simulate_outage(knobs: Knobs, flow_id: str | None = None) -> None:
    """Fail (or stall) this call when the API-error knobs say so: the global knobs for every
    call, a flow's own knobs for the calls that name that flow or one of its interviews."""
    if not knobs.api_error:
        return
    fired = await service.take("api_error_next", flow_id, global_too=flow_id is None)
    if not fired and not (knobs.api_error_probability > random.random()):
        return
    if knobs.api_error == "timeout":
        await asyncio.sleep(knobs.timeout_seconds)  # then answer normally, far too late
    elif knobs.api_error == "429":
        headers = {"Retry-After": f"{knobs.retry_after_seconds:g}"}
        raise RibbonError(429, "rate_limited", "Too many requests", headers)
    else:
        raise RibbonError(int(knobs.api_error), "server_error", "Internal server error")


async def _flow_outage(flow_id: str) -> None:
    await simulate_outage(await service.flow_api_knobs(flow_id), flow_id)


def _team(request: Request[Any, Any, Any]) -> Any:
    return request.state["ribbon_team"]


async def _body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    try:
        data = await request.json()
    except Exception:
        raise RibbonError(422, "validation_error", "The request body must be JSON") from None
    if not isinstance(data, dict):
        raise RibbonError(422, "validation_error", "The request body must be a JSON object")
    return data


def _invalid(message: str) -> RibbonError:
    return RibbonError(422, "validation_error", message)


def _page(request: Request[Any, Any, Any]) -> tuple[int, int]:
    values = []
    for name, default in (("limit", 20), ("offset", 0)):
        raw = request.query_params.get(name)
        if raw is not None and raw.strip().startswith("-"):
            raise _invalid(f"{name} must be {'positive' if name == 'limit' else 'zero or more'}")
        value = default if raw in (None, "") else whole_number(raw)
        if value is None:  # "²", "٣", "1_0" or beyond bigint: never int() or the OFFSET
            raise _invalid(f"{name} must be an integer")
        if name == "limit" and value == 0:
            raise _invalid(f"{name} must be {'positive' if name == 'limit' else 'zero or more'}")
        values.append(value)
    return min(values[0], MAX_PAGE), values[1]


def validate_flow(data: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for name in ("org_name", "title"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"{name} is required")
        spec[name] = value.strip()
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise _invalid("questions is required and must be a non-empty list of strings")
    if not all(isinstance(q, str) and q.strip() for q in questions):
        raise _invalid("questions must be a list of non-empty strings")
    spec["questions"] = [q.strip() for q in questions]
    spec["interview_type"] = _choice(data, "interview_type", INTERVIEW_TYPES, "general")
    spec["language"] = _choice(data, "language", LANGUAGES, "en-US")
    for name in ("is_video_enabled", "is_doc_upload_enabled"):
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise _invalid(f"{name} must be a boolean")
        spec[name] = bool(value)
    for name in (*OPTIONAL_TEXT, "webhook_url"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise _invalid(f"{name} must be a string")
        spec[name] = value or None
    url = spec["webhook_url"]
    if url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise _invalid("webhook_url must be an http or https URL")
    return spec


def _choice(
    data: Mapping[str, Any], name: FromPath[str], allowed: tuple[str, ...], default: str
) -> str:
    value = data.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise _invalid(f"{name} must be one of: {', '.join(allowed)}")
    return str(value)


@get("/v1/ping")
async def ping() -> dict[str, str]:
    return {"message": "pong"}


@post("/v1/interview-flows", status_code=200)
async def create_flow(request: Request[Any, Any, Any]) -> dict[str, Any]:
    spec = validate_flow(await _body(request))
    return {"interview_flow_id": await service.create_flow(_team(request), spec)}


@get("/v1/interview-flows")
async def list_flows(request: Request[Any, Any, Any]) -> dict[str, Any]:
    limit, offset = _page(request)
    rows = await service.list_flows(_team(request), limit, offset)
    return {"interview_flows": [service.flow_json(r) for r in rows]}


@get("/v1/interview-flows/{flow_id:str}")
async def get_flow(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> dict[str, Any]:
    row = await service.get_flow(flow_id, _team(request))
    if row is None:
        raise RibbonError(404, "not_found", "Interview flow not found")
    await _flow_outage(flow_id)
    return service.flow_json(row)


@post("/v1/interviews", status_code=200)
async def create_interview(request: Request[Any, Any, Any]) -> dict[str, Any]:
    data = await _body(request)
    flow_id = data.get("interview_flow_id")
    if not isinstance(flow_id, str) or not flow_id.strip():
        raise _invalid("interview_flow_id is required")
    person: dict[str, str | None] = {}
    for name in (
        "interviewee_email_address",
        "interviewee_first_name",
        "interviewee_last_name",
        "assigned_recruiter_id",
    ):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise _invalid(f"{name} must be a string")
        person[name] = value.strip() if value and value.strip() else None
    email = person["interviewee_email_address"]
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise _invalid("interviewee_email_address is not a valid email address")
    flow = await service.get_flow(flow_id.strip(), _team(request))
    if flow is None:
        raise RibbonError(404, "not_found", "Interview flow not found")
    await _flow_outage(flow["id"])
    base = str(request.base_url).rstrip("/")
    interview_id, link = await service.create_interview(flow, person, base)
    return {"interview_id": interview_id, "interview_link": link, "hint": None}


@get("/v1/interviews")
async def list_interviews(request: Request[Any, Any, Any]) -> dict[str, Any]:
    limit, offset = _page(request)
    status = request.query_params.get("status") or None
    if status not in (None, "completed", "incomplete"):
        raise _invalid("status must be completed or incomplete")
    rows = await service.list_interviews(_team(request), status, limit, offset)
    return {"interviews": [service.interview_json(r) for r in rows]}


@get("/v1/interviews/{interview_id:str}")
async def get_interview(
    request: Request[Any, Any, Any], interview_id: FromPath[str]
) -> dict[str, Any]:
    row = await service.get_interview(interview_id, _team(request))
    if row is None:
        raise RibbonError(404, "not_found", "Interview not found")
    await _flow_outage(row["flow_id"])
    return service.interview_json(row)


HANDLERS = [
    ping,
    create_flow,
    list_flows,
    get_flow,
    create_interview,
    list_interviews,
    get_interview,
]

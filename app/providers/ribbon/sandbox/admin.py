"""The sandbox's admin endpoints (not part of Ribbon's API): knobs, completing an interview
without a browser, triggering `candidate_status_updated`, and reading the sandbox's truth.

No authentication: the sandbox exists only where SANDBOX_ENABLED is set (development, demos,
tests, benchmarks), startup refuses it on a public address (`refuse_public_sandbox`), and it
holds nothing but made-up interviews. Still, nothing here returns a flow's webhook secret."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, post
from litestar.params import FromPath

from app import db
from app.providers.ribbon.sandbox import finish, knobs, service
from app.providers.ribbon.sandbox.api import RibbonError, _body, _invalid
from app.providers.ribbon.sandbox.results import CompletionOptions
from app.providers.ribbon.translate import CORE_SCORES, LANGUAGE_SCORES


def _knob_changes(data: dict[str, Any], per_flow: bool) -> tuple[dict[str, Any], bool]:
    replace = data.pop("reset", False) is True
    try:
        return knobs.validate(data, per_flow=per_flow), replace
    except knobs.KnobError as exc:
        raise _invalid(str(exc)) from None


@get("/knobs")
async def get_global_knobs() -> dict[str, Any]:
    stored = await service.global_knobs()
    return {"knobs": stored, "effective": (await service.knobs_for()).as_dict(), "help": _help()}


@post("/knobs", status_code=200)
async def set_global_knobs(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Merge knob settings (null resets one knob; {"reset": true} starts from the defaults)."""
    changes, replace = _knob_changes(await _body(request), per_flow=False)
    stored = await service.set_global_knobs(changes, replace=replace)
    return {"knobs": stored, "effective": (await service.knobs_for()).as_dict()}


@delete("/knobs", status_code=200)
async def reset_global_knobs() -> dict[str, Any]:
    return {"knobs": await service.set_global_knobs({}, replace=True)}


@get("/flows/{flow_id:str}/knobs")
async def get_flow_knobs(flow_id: FromPath[str]) -> dict[str, Any]:
    flow = await _flow(flow_id)
    return {
        "knobs": flow["knobs"],
        "effective": (await service.knobs_for(flow_id)).as_dict(),
    }


@post("/flows/{flow_id:str}/knobs", status_code=200)
async def set_flow_knobs(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> dict[str, Any]:
    await _flow(flow_id)
    changes, replace = _knob_changes(await _body(request), per_flow=True)
    stored = await service.set_flow_knobs(flow_id, changes, replace=replace)
    return {"knobs": stored, "effective": (await service.knobs_for(flow_id)).as_dict()}


@get("/flows/{flow_id:str}")
async def flow_truth(flow_id: FromPath[str]) -> dict[str, Any]:
    flow = await _flow(flow_id)
    return {
        **admin_flow_json(flow),
        "knobs": flow["knobs"],
        "deliveries": await service.deliveries(flow_id=flow_id),
    }


@post("/flows/{flow_id:str}/candidate-status", status_code=202)
async def candidate_status(
    request: Request[Any, Any, Any], flow_id: FromPath[str]
) -> dict[str, Any]:
    """Send `candidate_status_updated` ({"email", "previous_status", "new_status"})."""
    await _flow(flow_id)
    data = await _body(request)
    values = {}
    for name in ("email", "previous_status", "new_status"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"{name} is required")
        values[name] = value.strip()
    queued = await finish.trigger_candidate_status(
        flow_id, values["email"], values["previous_status"], values["new_status"]
    )
    return {"queued": queued}


@get("/interviews/{interview_id:str}")
async def interview_truth(interview_id: FromPath[str]) -> dict[str, Any]:
    row = await service.get_interview(interview_id)
    if row is None:
        raise RibbonError(404, "not_found", "Interview not found")
    return {
        **service.interview_json(row),
        "interview_link": row["interview_link"],
        "answers": row["answers"],
        "video_url_when_ready": row["video_url"],
        "video_ready_at": row["video_ready_at"].isoformat() if row["video_ready_at"] else None,
        "completed_at": row["completed_at"].isoformat() if row["completed_at"] else None,
        "deliveries": await service.deliveries(interview_id=interview_id),
    }


@post("/interviews/{interview_id:str}/complete", status_code=200)
async def complete_interview(
    request: Request[Any, Any, Any], interview_id: FromPath[str]
) -> dict[str, Any]:
    """Finish an interview as if the candidate had (canned answers unless `answers` is given).

    Options: answers [str], video (bool), scores {key: number|null}, null_scores [key],
    no_summary, language_assessment. 409 when the interview is already completed."""
    row = await service.get_interview(interview_id)
    if row is None:
        raise RibbonError(404, "not_found", "Interview not found")
    options = completion_options(await _body(request) if await request.body() else {})
    done = await finish.finish_interview(interview_id, options, str(request.base_url))
    if done is None:
        raise RibbonError(409, "conflict", "The interview is already completed")
    return done


@post("/reset", status_code=200)
async def reset() -> dict[str, Any]:
    """Forget every flow, interview, delivery and knob (benchmarks start clean)."""
    await db.fetch("TRUNCATE sandbox_delivery, sandbox_interview, sandbox_flow, sandbox_knobs")
    return {"reset": True}


def completion_options(data: dict[str, Any]) -> CompletionOptions:
    answers = data.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise _invalid("answers must be a list of strings")
    scores = data.get("scores", {})
    if not isinstance(scores, dict):
        raise _invalid("scores must be an object of score key to number or null")
    for key, value in scores.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _invalid(f"score {key} must be a number or null")
    null_scores = data.get("null_scores", [])
    known = (*CORE_SCORES, *LANGUAGE_SCORES)
    if not isinstance(null_scores, list) or not all(k in known for k in null_scores):
        raise _invalid(f"null_scores must be a list of: {', '.join(known)}")
    flags = {}
    for name in ("video", "no_summary", "language_assessment"):
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise _invalid(f"{name} must be true or false")
        flags[name] = value
    return CompletionOptions(
        answers=answers,
        video=flags["video"],
        scores=scores,
        null_scores=null_scores,
        no_summary=bool(flags["no_summary"]),
        language_assessment=bool(flags["language_assessment"]),
    )


def admin_flow_json(flow: Any) -> dict[str, Any]:
    """A flow as the admin API shows it: never its webhook secret, only whether it has one.
    Ribbon's own `GET /v1/interview-flows/{id}` echoes the secret to the key's team, and so
    does the sandbox's emulation of it; this API has no authentication at all."""
    shown = service.flow_json(flow)
    shown["webhook_secret_set"] = bool(shown.pop("webhook_secret_key", None))
    return shown


async def _flow(flow_id: str) -> Any:
    flow = await service.get_flow(flow_id)
    if flow is None:
        raise RibbonError(404, "not_found", "Interview flow not found")
    return flow


def _help() -> dict[str, str]:
    return {name: spec[3] for name, spec in knobs.SPEC.items()}


HANDLERS = [
    get_global_knobs,
    set_global_knobs,
    reset_global_knobs,
    get_flow_knobs,
    set_flow_knobs,
    flow_truth,
    candidate_status,
    interview_truth,
    complete_interview,
    reset,
]

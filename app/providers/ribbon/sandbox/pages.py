"""The candidate's side of the sandbox: the interview page behind the link, and fake media.

The page's form is a plain form without a CSRF token: the sandbox stands in for a third
party's site, and its single-use link token is what authorises finishing the interview."""

from __future__ import annotations

import hmac
import io
import math
import struct
import wave
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.providers.ribbon.sandbox import finish, service
from app.providers.ribbon.sandbox.results import CompletionOptions

MAX_ANSWER_CHARS = 5000


async def _interview(
    interview_id: FromPath[str], token: FromPath[str]
) -> tuple[Any, dict[str, Any]]:
    row = await service.get_interview(interview_id)
    if row is None or not hmac.compare_digest(row["link_token"], token):
        raise NotFoundException("This interview link is not valid.")
    flow = await service.get_flow(row["flow_id"])
    assert flow is not None  # foreign key
    return row, flow["spec"]


@get("/interview/{interview_id:str}/{token:str}")
async def interview_page(interview_id: FromPath[str], token: FromPath[str]) -> Template:
    row, spec = await _interview(interview_id, token)
    return Template(
        "sandbox/interview.html",
        context={"row": row, "flow": spec, "done": row["status"] == "completed", "error": ""},
    )


@post("/interview/{interview_id:str}/{token:str}", status_code=303)
async def finish_page(
    request: Request[Any, Any, Any], interview_id: FromPath[str], token: FromPath[str]
) -> Response[Any]:
    row, spec = await _interview(interview_id, token)
    form = await request.form()
    questions = spec.get("questions") or []
    answers = [
        str(form.get(f"answer_{i}", ""))[:MAX_ANSWER_CHARS].strip() for i in range(len(questions))
    ]
    if row["status"] != "completed" and not any(answers):
        return Template(
            "sandbox/interview.html",
            context={"row": row, "flow": spec, "done": False, "answers": answers,
                     "error": "Answer at least one question before finishing."},
            status_code=422,
        )  # fmt: skip
    video = bool(spec.get("is_video_enabled")) and form.get("camera") == "on"
    await finish.finish_interview(
        interview_id, CompletionOptions(answers=answers, video=video), str(request.base_url)
    )
    redirect = spec.get("redirect_url")
    target = redirect if redirect else f"/sandbox/interview/{interview_id}/{token}"
    return Redirect(target, status_code=303)


@get("/media/{interview_id:str}/{name:str}")
async def media(interview_id: FromPath[str], name: FromPath[str]) -> Response[bytes]:
    """Two seconds of tone. The sandbox records nothing, and has no video encoder: its "video"
    is the same tone, which a browser's <video> element plays as audio only."""
    row = await service.get_interview(interview_id)
    if row is None or row["status"] != "completed" or name not in ("audio.wav", "video.wav"):
        raise NotFoundException("No such recording in the sandbox.")
    if name == "video.wav" and row["video_url"] is None:
        raise NotFoundException("This interview was recorded without video.")
    return Response(_tone(), media_type="audio/wav", headers={"Cache-Control": "max-age=3600"})


def _tone(seconds: float = 2.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            struct.pack("<h", int(2000 * math.sin(2 * math.pi * 440 * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(b"".join(frames))
    return buffer.getvalue()


@get("/")
async def index() -> Template:
    """A developer's view of the sandbox: recent interviews and their links."""
    rows = await service.recent_interviews(50)
    return Template("sandbox/index.html", context={"interviews": rows})


HANDLERS = [interview_page, finish_page, media, index]

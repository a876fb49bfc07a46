"""Driving the Ribbon sandbox of a running server over HTTP for the webhook tests: an interview
flow whose webhooks come to our endpoint, an interview per candidate, knobs, completion."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SandboxFlow:
    base: str
    key: str
    flow_id: str
    token: str
    secret: str


async def create_flow(base: str, key: str, video: bool = True, **knobs: Any) -> SandboxFlow:
    token, secret = secrets.token_urlsafe(16), secrets.token_hex(16)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        made = await http.post(
            "/sandbox/api/v1/interview-flows",
            headers={"authorization": f"Bearer {key}"},
            json={
                "org_name": "Org",
                "title": "Backend Engineer",
                "questions": ["Tell me about a project you led.", "Why this team?"],
                "is_video_enabled": video,
                "webhook_url": f"{base}/webhooks/ribbon/{token}",
                "webhook_secret_key": secret,
            },
        )
        assert made.status_code == 200, made.text
        flow_id = made.json()["interview_flow_id"]
        flow_knobs = {"video_delay_seconds": 0, **knobs}
        set_ = await http.post(f"/sandbox/api/admin/flows/{flow_id}/knobs", json=flow_knobs)
        assert set_.status_code == 200, set_.text
    return SandboxFlow(base, key, flow_id, token, secret)


async def create_interview(flow: SandboxFlow, email: str) -> str:
    async with httpx.AsyncClient(base_url=flow.base, timeout=30) as http:
        made = await http.post(
            "/sandbox/api/v1/interviews",
            headers={"authorization": f"Bearer {flow.key}"},
            json={
                "interview_flow_id": flow.flow_id,
                "interviewee_email_address": email,
                "interviewee_first_name": "Ada",
                "interviewee_last_name": "Lovelace",
            },
        )
        assert made.status_code == 200, made.text
        return str(made.json()["interview_id"])


async def complete(base: str, interview_id: str, **options: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        done = await http.post(
            f"/sandbox/api/admin/interviews/{interview_id}/complete", json=options
        )
        assert done.status_code == 200, done.text
        return dict(done.json())


async def set_knobs(base: str, **knobs: Any) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        response = await http.post("/sandbox/api/admin/knobs", json=knobs)
        assert response.status_code == 200, response.text


async def truth(base: str, interview_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        response = await http.get(f"/sandbox/api/admin/interviews/{interview_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())


async def wait_for(check: Callable[[], Awaitable[Any]], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"gave up waiting; last value: {value!r}")


def sandbox_key() -> str:
    return str(uuid.uuid4())

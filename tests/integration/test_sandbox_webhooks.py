"""The sandbox delivers signed webhooks to a receiver running in the test, with retries and
the knobs for duplicates, reordering and drops."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from app.providers.base import FlowSpec
from app.providers.ribbon.client import RetryPolicy, RibbonClient
from app.providers.ribbon.webhooks import RibbonWebhooks

SECRET = "flow-secret-123"
FAST = RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.05, wait_jitter=0.0)


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        status = self.statuses.pop(0) if self.statuses else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def events(self) -> list[str]:
        return [json.loads(body)["event_type"] for _, body in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    recorder = Receiver(url=f"http://127.0.0.1:{port}/hook")
    server = uvicorn.Server(
        uvicorn.Config(recorder, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield recorder
    server.should_exit = True
    await task


@pytest.fixture
async def admin(live_server, clean_db) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{live_server.url}/sandbox/api/admin") as client:
        await client.post("/knobs", json={"retry_base_seconds": 0.05, "video_delay_seconds": 0})
        yield client


async def new_interview(live_server, receiver: Receiver, video: bool = True) -> tuple[str, str]:
    spec = FlowSpec(
        org_name="Acme",
        title="Backend Engineer",
        questions=("Why us?",),
        video_enabled=video,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
    )
    async with RibbonClient(str(uuid.uuid4()), f"{live_server.url}/sandbox/api", retry=FAST) as c:
        flow_id = await c.create_flow(spec)
        made = await c.create_interview(flow_id, "ada@example.com", "Ada", None)
    return flow_id, made.interview_id


async def until(check: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def deliveries(admin: httpx.AsyncClient, interview_id: str) -> list[dict[str, Any]]:
    return (await admin.get(f"/interviews/{interview_id}")).json()["deliveries"]


async def test_finishing_delivers_signed_processed_then_video(live_server, admin, receiver):
    flow_id, interview_id = await new_interview(live_server, receiver)
    response = await admin.post(f"/interviews/{interview_id}/complete")
    assert response.status_code == 200
    await until(lambda: _count(receiver, 2))
    assert receiver.events() == ["interview_processed", "video_processed"]
    adapter = RibbonWebhooks()
    for headers, body in receiver.received:
        assert headers["content-type"] == "application/json"
        assert headers["user-agent"] == "Ribbon-API-Webhook/1.0"
        assert adapter.verify(body, headers, SECRET)
        event = adapter.parse(body)
        assert (event.interview_id, event.flow_id) == (interview_id, flow_id)
        assert event.candidate_email == "ada@example.com"
    payload = json.loads(receiver.received[0][1])
    assert set(payload) == {
        "event_type", "interview_flow_id", "interview_id", "interview_link",
        "interview_flow_name", "interviewee_email_address", "interviewee_first_name",
        "interviewee_last_name", "status",
    }  # fmt: skip
    truth = (await admin.get(f"/interviews/{interview_id}")).json()
    video = await httpx.AsyncClient().get(truth["interview_data"]["video_url"])
    assert video.status_code == 200
    assert [d["status"] for d in truth["deliveries"]] == ["delivered", "delivered"]
    again = await admin.post(f"/interviews/{interview_id}/complete")
    assert again.status_code == 409


async def test_receiver_errors_are_retried_with_backoff(live_server, admin, receiver):
    receiver.statuses = [500, 503]
    _, interview_id = await new_interview(live_server, receiver, video=False)
    await admin.post(f"/interviews/{interview_id}/complete")
    await until(lambda: _count(receiver, 3))
    assert receiver.events() == ["interview_processed"] * 3
    rows = await until(lambda: _settled(admin, interview_id))
    assert rows[0]["status"] == "delivered"
    assert rows[0]["attempts"] == 3


async def test_gives_up_after_max_attempts(live_server, admin, receiver):
    await admin.post("/knobs", json={"max_attempts": 2})
    receiver.statuses = [500] * 10
    _, interview_id = await new_interview(live_server, receiver, video=False)
    await admin.post(f"/interviews/{interview_id}/complete")
    rows = await until(lambda: _settled(admin, interview_id))
    assert rows[0]["status"] == "failed"
    assert rows[0]["last_status_code"] == 500
    assert len(receiver.received) == 2


async def test_duplicates_reorder_and_drop_knobs(live_server, admin, receiver):
    flow_id, interview_id = await new_interview(live_server, receiver)
    set_knobs = await admin.post(f"/flows/{flow_id}/knobs", json={"duplicates": 1, "reorder": True})
    assert set_knobs.status_code == 200, set_knobs.text
    await admin.post(f"/interviews/{interview_id}/complete")
    await until(lambda: _count(receiver, 4))
    events = receiver.events()
    assert sorted(events) == ["interview_processed"] * 2 + ["video_processed"] * 2
    assert events[0] == "video_processed"  # reordered: video before processed
    bodies = [body for _, body in receiver.received]
    assert len(set(bodies)) == 2  # each duplicate is byte-for-byte the original


async def test_drop_next_drops_exactly_that_many(live_server, admin, receiver):
    await admin.post("/knobs", json={"drop_next": 1})
    _, interview_id = await new_interview(live_server, receiver)
    await admin.post(f"/interviews/{interview_id}/complete")
    await until(lambda: _count(receiver, 1))
    rows = await until(lambda: _settled(admin, interview_id))
    assert [r["status"] for r in rows] == ["dropped", "delivered"]
    assert receiver.events() == ["video_processed"]


async def test_late_or_no_video_and_partial_results(live_server, admin, receiver):
    await admin.post(
        "/knobs", json={"video_never": True, "no_summary": True, "null_scores": ["motivation"]}
    )
    _, interview_id = await new_interview(live_server, receiver)
    done = (await admin.post(f"/interviews/{interview_id}/complete")).json()
    data = done["interview_data"]
    assert data["summary"] is None
    assert data["scores"]["motivation"] is None
    assert data["video_url"] is None
    await until(lambda: _count(receiver, 1))
    rows = await until(lambda: _settled(admin, interview_id))
    assert [r["event_type"] for r in rows] == ["interview_processed"]


async def test_candidate_status_updated(live_server, admin, receiver):
    flow_id, _ = await new_interview(live_server, receiver)
    response = await admin.post(
        f"/flows/{flow_id}/candidate-status",
        json={
            "email": "ada@example.com",
            "previous_status": "shortlisted",
            "new_status": "accepted",
        },
    )
    assert response.status_code == 202
    await until(lambda: _count(receiver, 1))
    headers, body = receiver.received[0]
    event = RibbonWebhooks().parse(body)
    assert RibbonWebhooks().verify(body, headers, SECRET)
    assert (event.flow_id, event.candidate_email) == (flow_id, "ada@example.com")
    assert (event.previous_status, event.new_status) == ("shortlisted", "accepted")
    bad = await admin.post(f"/flows/{flow_id}/candidate-status", json={"email": ""})
    assert bad.status_code == 422


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.received) >= n


async def _settled(admin: httpx.AsyncClient, interview_id: str) -> list[dict[str, Any]] | None:
    rows = await deliveries(admin, interview_id)
    if rows and all(r["status"] in ("delivered", "failed", "dropped") for r in rows):
        return rows
    return None

"""Graceful shutdown on SIGTERM: `serve` stops accepting connections, finishes the request in
flight, then exits; a `worker` lets running jobs finish within its grace period and releases
the ones that cannot (queued again, no lease, the attempt not counted) for another worker.

The slow paths are the product's own: a provider call the sandbox stalls (its `timeout`
knob), made by the settings page's connection test and by the invite job."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import db
from app.accounts.service import create_user, user_by_id
from app.invitations.service import invite
from tests.conftest import LiveServer, start_process, start_server
from tests.factories import make_application, make_assessment, make_candidate, make_org
from tests.sandbox_support import create_flow, sandbox_key, wait_for
from tests.webhook_support import webhook_database, wh_settings

__all__ = ["webhook_database", "wh_settings"]

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def provider(webhook_database: Any) -> Iterator[LiveServer]:
    """The sandbox, in a process of its own: the processes under test call it."""
    live = start_server(webhook_database, worker=False)
    yield live
    # killed, not stopped: it may still be stalling answers nobody waits for any more
    live.process.kill()
    live.process.wait()


async def knobs(provider: LiveServer, flow_id: str | None = None, **values: Any) -> dict:
    path = f"/flows/{flow_id}/knobs" if flow_id else "/knobs"
    async with httpx.AsyncClient(base_url=f"{provider.url}/sandbox/api/admin") as http:
        response = await (http.post(path, json=values) if values else http.get(path))
        assert response.status_code == 200, response.text
        body = response.json()
        return dict(body.get("knobs", body))


async def test_serve_finishes_the_request_in_flight_then_exits(
    wh_settings, webhook_database, provider
):
    await knobs(provider, reset=True)
    org = await make_org(ribbon_api_key=sandbox_key())
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    await create_user(org, email, PASSWORD, "admin", name="Admin")
    env = {"RIBBON_API_BASE": f"{provider.url}/sandbox/api", "SANDBOX_ENABLED": "0"}
    server = start_server(webhook_database, env, worker=False)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            await http.get("/login")
            csrf = http.cookies["csrftoken"]
            login = await http.post(
                "/login", data={"email": email, "password": PASSWORD, "_csrf_token": csrf}
            )
            assert login.status_code in (302, 303)
            csrf = http.cookies["csrftoken"]  # a fresh one comes with the session
            # the next provider call hangs for a while, then answers normally
            await knobs(provider, api_error="timeout", api_error_next=1, timeout_seconds=6)
            slow = asyncio.create_task(
                http.post("/settings/test-connection", data={"_csrf_token": csrf})
            )

            async def stalled() -> bool:
                return (await knobs(provider)).get("api_error_next") == 0

            await wait_for(stalled, timeout=20)
            server.process.send_signal(signal.SIGTERM)

            async def refusing() -> bool:
                try:
                    async with httpx.AsyncClient(timeout=2) as fresh:
                        await fresh.get(f"{server.url}/healthz")
                except httpx.TransportError:
                    return True
                return False

            await wait_for(refusing, timeout=5)
            assert not slow.done(), "new connections are refused while the request runs"
            answer = await slow
        assert answer.status_code == 200, answer.text[:500]
        assert "Ribbon accepted the API key." in answer.text
        # uvicorn exits by re-raising the signal it handled once shutdown is complete
        code = server.process.wait(timeout=20)
        assert code in (0, -signal.SIGTERM), server.log()[-2000:]
    finally:
        server.stop()
        await knobs(provider, reset=True)
    assert "Traceback" not in server.log(), server.log()[-3000:]


async def _invitations(
    provider: LiveServer, org_id: Any, key: str, user: Any, n: int, **flow_knobs: Any
) -> tuple[Any, list[Any]]:
    """n invitations of a new assessment whose flow has these sandbox knobs, being sent."""
    flow = await create_flow(provider.url, key, video=False, **flow_knobs)
    assessment = await make_assessment(
        org_id, video_enabled=False, flow_id=flow.flow_id, secret=flow.secret, token=flow.token
    )
    people = []
    for _ in range(n):
        candidate = await make_candidate(org_id)
        await make_application(org_id, assessment.job_id, candidate)
        people.append(candidate)
    outcome = await invite(user, assessment.id, people)
    assert len(outcome.created) == n
    return flow, list(outcome.created)


async def job_rows(invitation_ids: list[Any]) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT q.status, q.lease_until, q.lease_token, q.attempts, i.status AS invitation
           FROM queue_job q JOIN invitation i ON i.id = (q.payload ->> 'invitation_id')::uuid
           WHERE q.kind = 'invite' AND i.id = ANY($1::uuid[])""",
        invitation_ids,
    )
    return [dict(r) for r in rows]


async def test_worker_finishes_short_jobs_and_releases_long_ones_on_sigterm(
    wh_settings, webhook_database, provider
):
    await knobs(provider, reset=True)
    key = sandbox_key()
    org = await make_org(ribbon_api_key=key)
    user = await user_by_id(
        await create_user(org, f"{uuid.uuid4().hex[:8]}@example.com", PASSWORD, "admin")
    )
    # two invitations whose provider call stalls 2 s (within the grace period), two whose
    # calls stall far longer than it
    quick_flow, quick = await _invitations(
        provider, org, key, user, 2, api_error="timeout", api_error_next=2, timeout_seconds=2
    )
    slow_flow, slow = await _invitations(
        provider, org, key, user, 2, api_error="timeout", api_error_next=20, timeout_seconds=60
    )
    env = {"RIBBON_API_BASE": f"{provider.url}/sandbox/api"}
    first, first_log = start_process(["worker"], env, webhook_database, "worker-term")
    try:

        async def all_stalled() -> bool:
            quick_left = (await knobs(provider, quick_flow.flow_id)).get("api_error_next")
            slow_left = (await knobs(provider, slow_flow.flow_id)).get("api_error_next")
            return quick_left == 0 and slow_left == 18

        await wait_for(all_stalled, timeout=30)
        first.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(first.wait, 30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert code == 0, first_log.read_text()[-2000:]
    finished = await job_rows(quick)
    assert [(r["status"], r["invitation"]) for r in finished] == [("done", "invited")] * 2
    released = await job_rows(slow)
    assert [
        (r["status"], r["lease_until"], r["lease_token"], r["attempts"], r["invitation"])
        for r in released
    ] == [("queued", None, None, 0, "sending")] * 2
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'running'") == 0

    await knobs(provider, slow_flow.flow_id, api_error=None, api_error_next=0)
    second, second_log = start_process(["worker"], env, webhook_database, "worker-next")
    try:

        async def taken_over() -> bool:
            rows = await job_rows(slow)
            return all((r["status"], r["invitation"]) == ("done", "invited") for r in rows)

        await wait_for(taken_over, timeout=30)
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert "Traceback" not in first_log.read_text() + second_log.read_text()

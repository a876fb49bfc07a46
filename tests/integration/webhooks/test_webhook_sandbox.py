"""End to end through the sandbox over real HTTP: the sandbox sends signed webhooks to a real
server, workers fetch from the sandbox; killed workers, provider errors and dropped webhooks
end in the right state, each effect applied once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from app import db
from app.queue import service as queue
from tests.conftest import LiveServer, start_process, start_server
from tests.factories import make_assessment, make_invitation, make_org
from tests.sandbox_support import (
    complete,
    create_flow,
    create_interview,
    sandbox_key,
    set_knobs,
    wait_for,
)
from tests.webhook_support import drain, invitation_state, make_due, timeline


@pytest.fixture(scope="module")
def server(webhook_database: Any) -> Iterator[LiveServer]:
    """A server with the sandbox and no worker, on the webhook tests' database."""
    live = start_server(webhook_database, worker=False)
    yield live
    live.stop()


async def setup_interview(server: LiveServer, video: bool = True, **knobs: Any) -> tuple:
    key = sandbox_key()
    flow = await create_flow(server.url, key, video=video, **knobs)
    org = await make_org(ribbon_api_key=key)
    assessment = await make_assessment(
        org, video_enabled=video, flow_id=flow.flow_id, secret=flow.secret, token=flow.token
    )
    email = f"{os.urandom(4).hex()}@example.com"
    interview_id = await create_interview(flow, email)
    invitation = await make_invitation(assessment, interview_id=interview_id, email=email)
    return flow, assessment, invitation


async def deliveries_by_status() -> dict[str, int]:
    rows = await db.fetch("SELECT status, count(*) AS n FROM webhook_delivery GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def applied_once(invitation_id: Any) -> None:
    events = await timeline(invitation_id)
    completes = [m for k, m in events if k == "status" and m.endswith("-> complete")]
    assert len(completes) == 1, events
    per_delivery = await db.fetch(
        """SELECT delivery_id, count(*) AS n FROM invitation_event
           WHERE invitation_id = $1 AND kind = 'webhook' GROUP BY delivery_id""",
        invitation_id,
    )
    assert all(r["n"] == 1 for r in per_delivery), per_delivery


async def test_worker_killed_mid_processing_loses_nothing(settings, server, webhook_database):
    await set_knobs(server.url, reset=True)
    _, _, invitation = await setup_interview(server, video=True)
    # the first provider call hangs, so the worker is surely mid-processing when killed
    await set_knobs(server.url, api_error="timeout", api_error_next=1, timeout_seconds=20)
    env = {"RIBBON_API_BASE": f"{server.url}/sandbox/api"}
    first, _ = start_process(["worker"], env, webhook_database, "worker-a")
    try:
        await complete(server.url, invitation.interview_id, video=True)

        async def running() -> Any:
            return await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'running'")

        await wait_for(running, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    await set_knobs(server.url, api_error=None, api_error_next=0)
    # as if the lease's time had passed: the next worker reaps the job
    await db.fetch("UPDATE queue_job SET lease_until = now() WHERE status = 'running'")
    second, _ = start_process(["worker"], env, webhook_database, "worker-b")
    try:

        async def settled() -> Any:
            state = await invitation_state(invitation.id)
            counts = await deliveries_by_status()
            done = state["status"] == "complete" and counts == {"processed": 2}
            return done or None

        await wait_for(settled, timeout=60)
    finally:
        second.terminate()
        second.wait(timeout=15)
    await applied_once(invitation.id)
    assert await db.fetchval("SELECT max(attempts) FROM webhook_delivery") >= 2


async def test_provider_errors_retry_then_succeed(settings, server):
    await set_knobs(server.url, reset=True)
    _, _, invitation = await setup_interview(server, video=False)
    local = settings.with_(ribbon_api_base=f"{server.url}/sandbox/api")
    await complete(server.url, invitation.interview_id)

    async def stored() -> Any:
        return await db.fetchval("SELECT count(*) FROM webhook_delivery")

    await wait_for(stored)
    # more failures than the client retries by itself: the job has to come back later
    await set_knobs(server.url, api_error="503", api_error_next=5)
    await drain(local)
    assert (await deliveries_by_status()) == {"failed": 1}
    await set_knobs(server.url, api_error="429", api_error_next=5, retry_after_seconds=0.1)
    await make_due()
    await drain(local)
    last_error = await db.fetchval("SELECT last_error FROM webhook_delivery")
    assert "limiting" in last_error
    await make_due()
    await drain(local)
    assert (await deliveries_by_status()) == {"processed": 1}
    assert (await invitation_state(invitation.id))["status"] == "complete"
    await applied_once(invitation.id)


async def test_dropped_webhooks_are_repaired_by_reconciliation(settings, server):
    await set_knobs(server.url, reset=True)
    local = settings.with_(
        ribbon_api_base=f"{server.url}/sandbox/api", reconcile_after_seconds=3600
    )
    _, _, listed = await setup_interview(server, video=True, drop_next=10)
    await complete(server.url, listed.interview_id, video=True)
    assert await db.fetchval("SELECT count(*) FROM webhook_delivery") == 0
    # not due yet by age: found through the provider's list of completed interviews
    await queue.enqueue("reconcile", {})
    await drain(local)
    state = await invitation_state(listed.id)
    assert (state["status"], state["missing"]) == ("complete", [])
    assert ("reconcile", "reconciled with the provider (no webhook needed)") in await timeline(
        listed.id
    )
    # due by age: a partial one (video was not ready) is asked again and completes
    _, _, aged = await setup_interview(server, video=True, drop_next=10)
    await complete(server.url, aged.interview_id, video=True)
    await db.fetch(
        "UPDATE invitation SET status = 'partial', last_checked_at = now() - interval '2 hours' "
        "WHERE id = $1",
        aged.id,
    )
    await queue.enqueue("reconcile", {})
    await drain(local)
    assert (await invitation_state(aged.id))["status"] == "complete"
    again = len(await timeline(listed.id))
    await queue.enqueue("reconcile", {})
    await drain(local.with_(reconcile_after_seconds=0))
    assert len(await timeline(listed.id)) == again  # nothing new: nothing written

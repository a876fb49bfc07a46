"""Processing stored deliveries: fetch (the webhook is only a hint), merge, status, timeline."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from app import db
from app.invitations.timeline import UPDATES_CHANNEL
from app.providers.base import ProviderRateLimited, ProviderUnavailable
from app.queue import service as queue
from app.queue.service import LeaseLost
from app.queue.worker import Worker
from tests.factories import make_assessment, make_invitation, make_org
from tests.webhook_support import (
    FakeRibbon,
    drain,
    event_body,
    fake_resources,
    invitation_state,
    make_due,
    move_body,
    post,
    timeline,
)


@pytest.fixture
async def setup(client):
    org = await make_org(ribbon_api_key="key-1")
    assessment = await make_assessment(org, video_enabled=True)
    invitation = await make_invitation(assessment)
    return assessment, invitation


async def delivery_rows():
    return [dict(r) for r in await db.fetch("SELECT * FROM webhook_delivery ORDER BY received_at")]


async def test_interview_then_video_ends_complete(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=False)
    body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
    assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202
    await drain(settings, fake_resources(ribbon))
    state = await invitation_state(invitation.id)
    assert state["status"] == "partial"
    assert state["missing"] == ["video"]
    assert float(state["overall_score"]) == pytest.approx(4.33, abs=0.01)
    assert state["completed_at"] is not None
    [delivery] = await delivery_rows()
    assert delivery["status"] == "processed"
    assert delivery["invitation_id"] == invitation.id
    # the video comes with video_processed (or reconciliation): no re-check is scheduled
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'queued'") == 0

    ribbon.complete(invitation.interview_id, video=True)
    body = event_body("video_processed", invitation.interview_id, assessment.flow_id)
    assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202
    await drain(settings, fake_resources(ribbon))
    state = await invitation_state(invitation.id)
    assert state["status"] == "complete"
    assert state["missing"] == []
    assert state["video_url"].endswith(".mp4")
    events = await timeline(invitation.id)
    assert ("webhook", "webhook received: interview_processed") in events
    assert ("result", "fetched result: 3 scores, video missing") in events
    assert ("status", "status: invited -> partial") in events
    assert ("status", "status: partial -> complete") in events


async def test_video_processed_before_interview_processed_ends_complete(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=True)
    for event in ("video_processed", "interview_processed"):
        body = event_body(event, invitation.interview_id, assessment.flow_id)
        await post(client, assessment.token, body, assessment.secret)
        await drain(settings, fake_resources(ribbon))
    state = await invitation_state(invitation.id)
    assert (state["status"], state["missing"]) == ("complete", [])
    statuses = [m for k, m in await timeline(invitation.id) if k == "status"]
    assert statuses == ["status: invited -> complete"]


async def test_result_is_fetched_not_taken_from_the_webhook(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()  # the provider says: not completed yet
    body = event_body(
        "interview_processed", invitation.interview_id, assessment.flow_id, scores={"skills": 5}
    )
    await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(ribbon))
    state = await invitation_state(invitation.id)
    assert state["status"] == "pending"  # the webhook says done; results are not in yet
    assert state["scores"] == {}
    assert ribbon.calls == 1


async def test_provider_errors_retry_then_succeed(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id)
    ribbon.failures = [
        ProviderUnavailable("Ribbon answered 503", status=503),
        ProviderRateLimited("Ribbon is rate limiting", status=429, retry_after=7),
        ProviderUnavailable("Ribbon did not answer in time"),
    ]
    body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(ribbon))
    [delivery] = await delivery_rows()
    assert delivery["status"] == "failed"
    assert "503" in delivery["last_error"]
    for expected_error in ("rate limiting", "in time"):
        await make_due()
        await drain(settings, fake_resources(ribbon))
        [delivery] = await delivery_rows()
        assert expected_error in delivery["last_error"]
    await make_due()
    await drain(settings, fake_resources(ribbon))
    [delivery] = await delivery_rows()
    assert delivery["status"] == "processed"
    assert delivery["attempts"] == 4
    assert (await invitation_state(invitation.id))["status"] == "complete"


async def test_retry_after_is_honoured(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.failures = [ProviderRateLimited("slow down", status=429, retry_after=120)]
    body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(ribbon))
    wait = await db.fetchval(
        "SELECT extract(epoch FROM run_at - now()) FROM queue_job WHERE status = 'queued'"
    )
    assert 100 < wait <= 120


async def test_unknown_interview_retries_then_dead_with_reason(client, settings, setup):
    assessment, _ = setup
    body = event_body("interview_processed", "never-heard-of", assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    for _ in range(6):
        await drain(settings, fake_resources(FakeRibbon()))
        await make_due()
    [delivery] = await delivery_rows()
    assert delivery["status"] == "dead"
    assert "unknown interview never-heard-of" in delivery["last_error"]
    assert await db.fetchval("SELECT status FROM queue_job") == "dead"


async def test_late_invitation_row_is_found_on_retry(client, settings):
    org = await make_org(ribbon_api_key="k")
    assessment = await make_assessment(org, video_enabled=False)
    body = event_body("interview_processed", "late-1", assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    ribbon = FakeRibbon()
    ribbon.complete("late-1")
    await drain(settings, fake_resources(ribbon))
    assert (await delivery_rows())[0]["status"] == "failed"
    invitation = await make_invitation(assessment, interview_id="late-1")
    await make_due()
    await drain(settings, fake_resources(ribbon))
    assert (await invitation_state(invitation.id))["status"] == "complete"


async def test_unknown_event_type_is_ignored(client, settings, setup):
    assessment, _ = setup
    body = b'{"event_type": "interview_archived", "interview_id": "x"}'
    await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(FakeRibbon()))
    [delivery] = await delivery_rows()
    assert delivery["status"] == "ignored"


async def test_stage_moves_in_any_order_end_at_the_newest(client, settings, setup):
    assessment, invitation = setup
    moves = [("shortlisted", "accepted"), ("applied", "shortlisted"), ("", "applied")]
    for previous, new in moves:
        body = move_body(assessment.flow_id, invitation.email.upper(), previous, new)
        await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(FakeRibbon()))
    state = await invitation_state(invitation.id)
    assert state["provider_stage"] == "accepted"
    stage_events = [m for k, m in await timeline(invitation.id) if k == "stage"]
    assert len(stage_events) == 3
    assert await db.fetchval("SELECT count(*) FROM provider_stage_move") == 3


async def test_change_is_announced_on_the_updates_channel(
    client, settings, setup, webhook_database
):
    assessment, invitation = setup
    heard: list[str] = []
    conn = await asyncpg.connect(webhook_database.dsn)
    await conn.add_listener(UPDATES_CHANNEL, lambda *args: heard.append(args[3]))
    try:
        ribbon = FakeRibbon()
        ribbon.complete(invitation.interview_id)
        body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
        await post(client, assessment.token, body, assessment.secret)
        await drain(settings, fake_resources(ribbon))
        for _ in range(50):
            if heard:
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    assert any(str(invitation.id) in h for h in heard)


async def test_expired_lease_is_reaped_and_late_completion_refused(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id)
    body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    [slow] = await queue.claim(1, ["process_delivery"], lease_seconds=60)
    await db.fetch("UPDATE queue_job SET lease_until = now() - interval '1 second'")
    await drain(settings, fake_resources(ribbon))  # another worker reaps and completes it
    assert (await invitation_state(invitation.id))["status"] == "complete"
    events_before = await timeline(invitation.id)
    with pytest.raises(LeaseLost):
        async with queue.fenced(slow):
            await db.fetch("UPDATE invitation SET status = 'invited' WHERE id = $1", invitation.id)
    worker = Worker(settings)
    worker.context.resources.update(fake_resources(ribbon))
    await worker._run(slow)  # the late worker runs its handler: refused at the fence
    assert (await invitation_state(invitation.id))["status"] == "complete"
    assert await timeline(invitation.id) == events_before


async def test_replaying_a_processed_delivery_changes_nothing(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id)
    body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(ribbon))
    before = await invitation_state(invitation.id)
    [delivery] = await delivery_rows()
    await queue.enqueue("process_delivery", {"delivery_id": str(delivery["id"])})
    await drain(settings, fake_resources(ribbon))
    assert await invitation_state(invitation.id) == before
    statuses = [m for k, m in await timeline(invitation.id) if k == "status"]
    assert len(statuses) == 1


async def test_video_processed_without_video_yet_rechecks_later(client, settings, setup):
    assessment, invitation = setup
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=False)
    body = event_body("video_processed", invitation.interview_id, assessment.flow_id)
    await post(client, assessment.token, body, assessment.secret)
    await drain(settings, fake_resources(ribbon))
    state = await invitation_state(invitation.id)
    assert (state["status"], state["missing"]) == ("partial", ["video"])
    [delivery] = await delivery_rows()
    assert delivery["status"] == "processed"
    assert "re-checking" in delivery["last_error"]
    later = await db.fetchval("SELECT run_at > now() FROM queue_job WHERE status = 'queued'")
    assert later is True
    ribbon.complete(invitation.interview_id, video=True)
    await make_due()
    await drain(settings, fake_resources(ribbon))
    assert (await invitation_state(invitation.id))["status"] == "complete"
    assert ("recheck", "re-checked after video_processed") in await timeline(invitation.id)

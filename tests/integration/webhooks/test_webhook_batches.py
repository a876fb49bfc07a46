"""Deliveries claimed together are processed as one batch: their interviews fetched at once,
their effects written in one transaction, each job still fenced by its own lease, and one
job's trouble leaving its neighbours' effects in place. The endpoint keeps what it parsed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app import db
from app.invitations import lifecycle
from app.queue import service as queue
from app.queue.worker import Worker
from tests.factories import make_assessment, make_invitation, make_org
from tests.webhook_support import (
    FakeRibbon,
    drain,
    event_body,
    fake_resources,
    invitation_state,
    move_body,
    post,
    timeline,
)


class SlowRibbon(FakeRibbon):
    """Answers after a pause, counting how many calls are in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0

    async def get_interview(self, interview_id: str) -> Any:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.05)
            return await super().get_interview(interview_id)
        finally:
            self.in_flight -= 1


@pytest.fixture
async def five(client):
    org = await make_org(ribbon_api_key="key-1")
    assessment = await make_assessment(org, video_enabled=False)
    invitations = [await make_invitation(assessment) for _ in range(5)]
    return assessment, invitations


async def post_all(client, assessment, invitations) -> None:
    for invitation in invitations:
        body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
        assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202


async def run_claim(settings, ribbon: FakeRibbon) -> list[queue.Job]:
    """One claim of every due job, run as the worker's claim loop runs it."""
    worker = Worker(settings)
    worker.context.resources.update(fake_resources(ribbon))
    jobs = await queue.claim(worker.concurrency, None, worker.lease_seconds)
    await worker.run_jobs(jobs)
    return jobs


async def statuses(invitations) -> list[str]:
    return [(await invitation_state(i.id))["status"] for i in invitations]


async def delivery_status(interview_id: str) -> str:
    status: str = await db.fetchval(
        "SELECT status FROM webhook_delivery WHERE provider_interview_id = $1", interview_id
    )
    return status


async def test_a_claimed_batch_fetches_at_once_and_completes_every_job(client, settings, five):
    assessment, invitations = five
    ribbon = SlowRibbon()
    for invitation in invitations:
        ribbon.complete(invitation.interview_id, video=False)
    await post_all(client, assessment, invitations)
    jobs = await run_claim(settings, ribbon)
    assert len(jobs) == 5
    assert ribbon.calls == 5
    assert ribbon.most_in_flight == 5  # concurrently, not one after another
    assert await statuses(invitations) == ["complete"] * 5
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'") == 5
    for invitation in invitations:
        assert await delivery_status(invitation.interview_id) == "processed"
        events = await timeline(invitation.id)
        assert ("webhook", "webhook received: interview_processed") in events
        assert ("status", "status: invited -> complete") in events


async def test_a_failed_fetch_holds_back_only_its_own_job(client, settings, five):
    assessment, invitations = five
    org_id = assessment.organisation_id
    ribbon = FakeRibbon()
    for invitation in invitations:
        ribbon.complete(invitation.interview_id, video=False)
    missing = await make_invitation(assessment, interview_id="missing-1")
    await post_all(client, assessment, [*invitations, missing])
    await run_claim(settings, ribbon)
    assert await statuses(invitations) == ["complete"] * 5
    assert await delivery_status("missing-1") == "failed"
    retried = await db.fetchrow(
        "SELECT status, last_error FROM queue_job WHERE organisation_id = $1 AND status <> 'done'",
        org_id,
    )
    assert retried is not None
    assert retried["status"] == "queued"
    assert "does not know interview missing-1" in retried["last_error"]


async def test_a_lost_lease_writes_nothing_for_that_job_only(client, settings, five):
    assessment, invitations = five
    ribbon = FakeRibbon()
    for invitation in invitations:
        ribbon.complete(invitation.interview_id, video=False)
    await post_all(client, assessment, invitations)
    worker = Worker(settings)
    worker.context.resources.update(fake_resources(ribbon))
    jobs = await queue.claim(worker.concurrency, None, worker.lease_seconds)
    stolen = jobs[2]
    # another worker took this job over after its lease ran out
    await db.fetch("UPDATE queue_job SET lease_token = gen_random_uuid() WHERE id = $1", stolen.id)
    await worker.run_jobs(jobs)
    stolen_delivery = stolen.payload["delivery_id"]
    row = await db.fetchrow(
        "SELECT status, invitation_id FROM webhook_delivery WHERE id = $1::uuid", stolen_delivery
    )
    assert row is not None
    assert row["status"] == "processing"
    assert row["invitation_id"] is None
    assert await db.fetchval("SELECT status FROM queue_job WHERE id = $1", stolen.id) == "running"
    done = await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'")
    assert done == 4
    assert sorted(await statuses(invitations)) == ["complete"] * 4 + ["invited"]


async def test_a_failed_batch_write_falls_back_to_each_job_alone(
    client, settings, five, monkeypatch
):
    assessment, invitations = five
    ribbon = FakeRibbon()
    for invitation in invitations:
        ribbon.complete(invitation.interview_id, video=False)
    await post_all(client, assessment, invitations)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        await db.fetch("SELECT 1")
        raise RuntimeError("the batch's statement failed")

    monkeypatch.setattr(lifecycle, "apply_results", broken)
    await run_claim(settings, ribbon)
    assert await statuses(invitations) == ["complete"] * 5
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'") == 5
    assert ribbon.calls == 5  # fetched once each: the fallback writes what was fetched


async def test_two_deliveries_for_one_interview_in_a_batch_both_apply(client, settings, five):
    assessment, invitations = five
    invitation = invitations[0]
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=True)
    for event in ("interview_processed", "video_processed"):
        body = event_body(event, invitation.interview_id, assessment.flow_id)
        await post(client, assessment.token, body, assessment.secret)
    jobs = await run_claim(settings, ribbon)
    assert len(jobs) == 2
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'") == 2
    rows = await db.fetch("SELECT status, invitation_id FROM webhook_delivery")
    assert {(r["status"], r["invitation_id"]) for r in rows} == {("processed", invitation.id)}
    events = await timeline(invitation.id)
    assert ("webhook", "webhook received: interview_processed") in events
    assert ("webhook", "webhook received: video_processed") in events


async def test_the_endpoint_keeps_the_event_kind_and_interview_id(client, settings, five):
    assessment, invitations = five
    interview = event_body("interview_processed", invitations[0].interview_id, assessment.flow_id)
    email = "Ada.Parsed@example.com"
    move = move_body(assessment.flow_id, email, "new", "screening")
    for body in (interview, move):
        assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202
    rows = await db.fetch(
        "SELECT event_kind, provider_interview_id, (to_jsonb(d) - 'payload')::text AS rest"
        " FROM webhook_delivery d ORDER BY received_at"
    )
    assert [(r["event_kind"], r["provider_interview_id"]) for r in rows] == [
        ("interview_processed", invitations[0].interview_id),
        ("candidate_status_moved", None),
    ]
    # the email stays in the stored payload only, as before (and as its keyed hash)
    assert email.lower() not in rows[1]["rest"].lower()


async def test_a_delivery_stored_before_the_fields_were_kept_still_processes(
    client, settings, five
):
    assessment, invitations = five
    invitation = invitations[0]
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=False)
    await post_all(client, assessment, [invitation])
    await db.fetch("UPDATE webhook_delivery SET event_kind = NULL, provider_interview_id = NULL")
    await drain(settings, fake_resources(ribbon))
    assert (await invitation_state(invitation.id))["status"] == "complete"
    status = await db.fetchval("SELECT status FROM webhook_delivery")
    assert status == "processed"

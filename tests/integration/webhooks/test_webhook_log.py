"""The delivery log for admins (pages and JSON API), replays, and /metrics."""

from __future__ import annotations

import uuid

from app import db
from app.accounts.service import create_api_token
from tests.conftest import form_post, login
from tests.factories import make_assessment, make_invitation
from tests.webhook_support import (
    FakeRibbon,
    drain,
    event_body,
    fake_resources,
    post,
)


async def seed(client, account):
    assessment = await make_assessment(account.organisation_id, video_enabled=False)
    invitation = await make_invitation(assessment, first_name="<script>alert(1)</script>")
    good = event_body(
        "interview_processed",
        invitation.interview_id,
        assessment.flow_id,
        interviewee_first_name="<script>alert(1)</script>",
    )
    unknown = event_body("interview_processed", "no-such-interview", assessment.flow_id)
    await post(client, assessment.token, good, assessment.secret)
    await post(client, assessment.token, unknown, assessment.secret)
    await post(client, assessment.token, b"not json", assessment.secret)
    return assessment, invitation


async def test_admin_sees_filters_and_detail_with_escaped_payload(client, make_account, settings):
    admin = await make_account(ribbon_api_key="k")
    _, invitation = await seed(client, admin)
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id)
    await drain(settings, fake_resources(ribbon))
    await login(client, admin)
    page = await client.get("/deliveries")
    assert page.status_code == 200
    assert page.text.count('name="ids"') == 3
    assert "failing" in page.text  # the unknown interview is being retried and stands out
    rejected = await client.get("/deliveries?status=rejected")
    assert rejected.text.count('name="ids"') == 1
    by_event = await client.get("/deliveries?event_type=interview_processed")
    assert by_event.text.count('name="ids"') == 2
    delivery_id = await db.fetchval(
        "SELECT id FROM webhook_delivery WHERE status = 'processed' LIMIT 1"
    )
    detail = await client.get(f"/deliveries/{delivery_id}")
    assert detail.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text
    assert "<script>alert" not in detail.text
    assert "x-ribbon-signature" not in detail.text
    assert "fetched result" in detail.text
    for chunk in detail.text.split("<script")[1:]:
        assert chunk.lstrip().startswith("src=")


async def test_replay_one_and_a_selection_is_audited(client, make_account, settings):
    admin = await make_account(ribbon_api_key="k")
    await seed(client, admin)
    await login(client, admin)
    ids = [
        r["id"]
        for r in await db.fetch("SELECT id FROM webhook_delivery ORDER BY status = 'rejected'")
    ]
    await db.fetch("UPDATE queue_job SET status = 'dead'")
    one = await form_post(client, f"/deliveries/{ids[0]}/replay", {}, follow_redirects=False)
    assert one.status_code in (302, 303)
    many = await form_post(
        client, "/deliveries/replay", {"ids": [str(i) for i in ids]}, follow_redirects=False
    )
    assert many.status_code in (302, 303)
    queued = await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'queued'")
    assert queued == 2  # the rejected one has nothing to process; no duplicate jobs
    audits = await db.fetchval("SELECT count(*) FROM audit_event WHERE action = 'webhook_replayed'")
    assert audits == 3


async def test_recruiters_and_other_organisations_get_nothing(client, make_account):
    admin = await make_account(ribbon_api_key="k")
    await seed(client, admin)
    delivery_id = await db.fetchval("SELECT id FROM webhook_delivery LIMIT 1")
    other = await make_account(org_name="Other")
    await login(client, other)
    assert 'name="ids"' not in (await client.get("/deliveries")).text
    assert (await client.get(f"/deliveries/{delivery_id}")).status_code == 404
    replay = await form_post(client, f"/deliveries/{delivery_id}/replay", {})
    assert replay.status_code == 404
    assert (await client.get(f"/deliveries/{uuid.uuid4()}")).status_code == 404
    client.cookies.clear()
    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    await login(client, recruiter)
    assert (await client.get("/deliveries")).status_code == 403


async def test_json_api_lists_and_replays(client, make_account):
    admin = await make_account(ribbon_api_key="k")
    await seed(client, admin)
    token = await create_api_token(admin.email, "test")
    auth = {"authorization": f"Bearer {token}"}
    listing = await client.get("/api/v1/webhook-deliveries", headers=auth)
    assert listing.status_code == 200
    assert len(listing.json()["deliveries"]) == 3
    rejected = await client.get("/api/v1/webhook-deliveries?status=rejected", headers=auth)
    [row] = rejected.json()["deliveries"]
    assert row["status"] == "rejected"
    assert row["last_error"]
    await db.fetch("UPDATE queue_job SET status = 'dead'")
    target = listing.json()["deliveries"][-1]["id"]
    replay = await client.post(f"/api/v1/webhook-deliveries/{target}/replay", headers=auth)
    assert replay.status_code == 202
    other = await make_account(org_name="Other")
    other_token = await create_api_token(other.email, "test")
    stranger = await client.post(
        f"/api/v1/webhook-deliveries/{target}/replay",
        headers={"authorization": f"Bearer {other_token}"},
    )
    assert stranger.status_code == 404
    assert "message" in stranger.json()


async def test_metrics_report_outcomes_and_inbox(client, make_account):
    admin = await make_account(ribbon_api_key="k")
    await seed(client, admin)
    text = (await client.get("/metrics")).text
    assert 'hirewire_webhook_deliveries_total{outcome="stored"}' in text
    assert 'hirewire_webhook_deliveries_total{outcome="rejected"}' in text
    assert "hirewire_webhook_inbox_depth 2.0" in text
    assert "hirewire_webhook_inbox_oldest_age_seconds" in text
    assert "hirewire_webhook_processing_seconds_bucket" in text or "processing_seconds" in text
    assert "hirewire_provider_call_errors_total" in text


async def test_replayed_redacted_delivery_ends_ignored_with_the_reason(
    client, make_account, settings
):
    """Retention (or erasure) removed the payload: a replay has nothing to process, and the
    delivery must still end in a final state, or inbox depth and the oldest-age metric alarm
    for ever."""
    from app.webhooks.processing import REDACTED_NOTE

    admin = await make_account(ribbon_api_key="k")
    _, invitation = await seed(client, admin)
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id)
    await drain(settings, fake_resources(ribbon))
    delivery_id = await db.fetchval("SELECT id FROM webhook_delivery WHERE status = 'processed'")
    await db.fetch(
        """UPDATE webhook_delivery SET payload = NULL, body = NULL, headers = '{}'::jsonb,
               redacted_at = now() WHERE id = $1""",
        delivery_id,
    )
    await login(client, admin)
    replayed = await form_post(
        client, f"/deliveries/{delivery_id}/replay", {}, follow_redirects=False
    )
    assert replayed.status_code in (302, 303)
    await drain(settings, fake_resources(ribbon))
    row = await db.fetchrow(
        "SELECT status, last_error, processed_at FROM webhook_delivery WHERE id = $1", delivery_id
    )
    assert row is not None
    assert row["status"] == "ignored", dict(row)
    assert row["last_error"] == REDACTED_NOTE
    assert "redacted" in REDACTED_NOTE
    assert row["processed_at"] is not None
    unfinished = "SELECT count(*) FROM webhook_delivery WHERE status IN ('received', 'processing')"
    assert await db.fetchval(unfinished) == 0
    detail = await client.get(f"/deliveries/{delivery_id}")
    assert REDACTED_NOTE.split(";")[0] in detail.text


async def test_the_log_names_candidate_and_assessment_and_counts_duplicates(
    client, make_account, settings
):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id, video_enabled=False)
    await db.fetch("UPDATE assessment SET title = 'Backend screen' WHERE id = $1", assessment.id)
    invitation = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    body = event_body("interview_processed", invitation.interview_id, assessment.flow_id)
    answers = [
        (await post(client, assessment.token, body, assessment.secret)).json() for _ in range(3)
    ]
    assert [a["status"] for a in answers] == ["stored", "duplicate", "duplicate"]
    delivery_id = answers[0]["delivery_id"]
    row = await db.fetchrow(
        "SELECT duplicates, last_duplicate_at FROM webhook_delivery WHERE id = $1::uuid",
        delivery_id,
    )
    assert row is not None
    assert row["duplicates"] == 2
    assert row["last_duplicate_at"] is not None
    assert await db.fetchval("SELECT count(*) FROM queue_job") == 1  # duplicates queue nothing

    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=False)
    await login(client, account)
    waiting = (await client.get(f"/deliveries/{delivery_id}")).text
    assert 'hx-trigger="every 2s"' in waiting  # keeps itself current until processed
    await drain(settings, fake_resources(ribbon))

    listing = (await client.get("/deliveries")).text
    assert f'href="/candidates/{invitation.candidate_id}"' in listing
    assert "Grace Hopper" in listing
    assert "Backend screen" in listing
    detail = (await client.get(f"/deliveries/{delivery_id}")).text
    assert "2 received after it" in detail
    assert "Grace Hopper" in detail
    assert 'hx-trigger="every 2s"' not in detail  # processed: nothing left to wait for

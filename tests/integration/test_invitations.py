"""Invitations over real HTTP against the sandbox: single and bulk invites, provider errors
and retries, a worker dying mid-bulk, and resend / remind / cancel / retry / expiry."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app import db
from app.assessments.service import AssessmentInput, create_assessment
from app.crypto import SecretBox
from app.invitations.service import invite
from app.queue import service as queue
from app.queue.worker import run_until_idle
from tests.conftest import TEST_SECRET_KEY, csrf_token, form_post, login
from tests.integration.recruiting import (
    acting_user,
    add_people,
    fetch_one,
    make_job,
    sandbox_key,
    set_knobs,
    settle,
    statuses,
    wait_for,
)


async def _setup(settings, make_account, people=3, org_name="Acme"):
    account = await make_account(org_name=org_name, ribbon_api_key=sandbox_key())
    job_id = await make_job(account.organisation_id)
    candidates = await add_people(account.organisation_id, job_id, people)
    assessment = await create_assessment(
        account.organisation_id,
        account.user_id,
        job_id,
        AssessmentInput(title="Screen", questions=["One?", "Two?"]),
        settings,
        SecretBox(TEST_SECRET_KEY),
    )
    assert assessment["status"] == "active", assessment["failure_reason"]
    return account, job_id, candidates, assessment["id"]


async def _interviews_per_email(flow_assessment_id):
    flow = await db.fetchval(
        "SELECT provider_flow_id FROM assessment WHERE id = $1", flow_assessment_id
    )
    rows = await db.fetch(
        "SELECT email, count(*) AS n FROM sandbox_interview WHERE flow_id = $1 GROUP BY email",
        flow,
    )
    return {r["email"]: r["n"] for r in rows}


async def test_invite_selected_then_double_submit_changes_nothing(
    sandbox_client, sandbox_settings, make_account
):
    account, job_id, candidates, assessment_id = await _setup(sandbox_settings, make_account)
    await login(sandbox_client, account)
    data = {"assessment_id": str(assessment_id), "candidate_ids": [str(c) for c in candidates[:2]]}
    first = await form_post(
        sandbox_client, f"/jobs/{job_id}/invitations", {**data, "mode": "selected"}
    )
    assert first.status_code == 200
    assert "Invitations are on their way" in first.text
    assert 'hx-trigger="every 1s"' in first.text  # the progress bar polls while sending
    again = await form_post(
        sandbox_client, f"/jobs/{job_id}/invitations", {**data, "mode": "selected"}
    )
    assert "Nobody new to invite" in again.text
    assert await db.fetchval("SELECT count(*) FROM invitation") == 2

    assert await settle(sandbox_settings, assessment_id) == {"invited": 2}
    rows = await db.fetch("SELECT * FROM invitation ORDER BY created_at")
    for row in rows:
        assert row["provider_interview_id"]
        assert row["interview_link"].startswith("http")
        assert row["invited_at"] is not None
        expected = row["invited_at"] + dt.timedelta(days=sandbox_settings.invite_expiry_days)
        assert abs((row["expires_at"] - expected).total_seconds()) < 5
        kinds = [
            r["kind"]
            for r in await db.fetch(
                "SELECT kind FROM invitation_event WHERE invitation_id = $1 ORDER BY id", row["id"]
            )
        ]
        assert kinds[:2] == ["created", "invited"]
        email = await fetch_one("SELECT * FROM email_message WHERE invitation_id = $1", row["id"])
        assert row["interview_link"] in email["body_text"]
        assert row["interview_link"] in email["body_html"]
    assert await _interviews_per_email(assessment_id) == {
        "person0@example.com": 1,
        "person1@example.com": 1,
    }
    sandbox_names = await fetch_one(
        "SELECT first_name, last_name FROM sandbox_interview WHERE email = 'person0@example.com'"
    )
    assert tuple(sandbox_names) == ("Person0", "Test")

    bulk_id = rows[0]["bulk_invite_id"]
    progress = await sandbox_client.get(f"/bulk-invites/{bulk_id}", headers={"HX-Request": "true"})
    assert "2 of 2" in progress.text
    assert "every 1s" not in progress.text
    page = await sandbox_client.get(f"/jobs/{job_id}")
    assert page.text.count('class="inv-card status-invited"') == 2
    assert "Bulk invitations" in page.text


async def test_bulk_of_20_with_5xx_and_429_retries_finishes_without_duplicates(
    sandbox_client, sandbox_settings, make_account, live_server
):
    account, job_id, _candidates, assessment_id = await _setup(
        sandbox_settings, make_account, people=20
    )
    await login(sandbox_client, account)
    # The first 100 calls fail (more than the client's own retries can hide), then half of them.
    await set_knobs(live_server, api_error="503", api_error_next=100, api_error_probability=0.3)
    response = await form_post(
        sandbox_client,
        f"/jobs/{job_id}/invitations",
        {"assessment_id": str(assessment_id), "mode": "all"},
    )
    assert response.status_code == 200
    await wait_for(lambda: _invited_at_least(assessment_id, 8), timeout=90)
    await set_knobs(
        live_server, api_error="429", api_error_probability=0.5, retry_after_seconds=0.2
    )
    assert await settle(sandbox_settings, assessment_id, timeout=150) == {"invited": 20}
    per_email = await _interviews_per_email(assessment_id)
    assert len(per_email) == 20
    assert set(per_email.values()) == {1}
    assert await db.fetchval("SELECT count(DISTINCT provider_interview_id) FROM invitation") == 20
    assert await db.fetchval("SELECT count(*) FROM email_message WHERE kind = 'invite'") == 20
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'dead'") == 0
    retried = await db.fetchval(
        "SELECT count(*) FROM queue_job WHERE kind = 'invite' AND attempts > 1"
    )
    assert retried > 0
    assert await db.fetchval("SELECT count(*) FROM invitation_event WHERE kind = 'retrying'") > 0


async def _invited_at_least(assessment_id, n):
    return (await statuses(assessment_id)).get("invited", 0) >= n


async def test_worker_killed_mid_bulk_the_rest_is_picked_up_nobody_invited_twice(
    sandbox_settings, make_account, live_server, clean_db
):
    account, _job_id, _candidates, assessment_id = await _setup(
        sandbox_settings, make_account, people=12
    )
    user = await acting_user(account)
    async with db.transaction():
        outcome = await invite(user, assessment_id, None)
        # A worker claims half the jobs in the same breath, then dies: its leases run out.
        abandoned = await queue.claim(limit=6, kinds=["invite"], lease_seconds=1)
    assert len(outcome.created) == 12
    assert len(abandoned) == 6
    assert await settle(sandbox_settings, assessment_id, timeout=120) == {"invited": 12}
    per_email = await _interviews_per_email(assessment_id)
    assert len(per_email) == 12
    assert set(per_email.values()) == {1}
    for job in abandoned:
        row = await fetch_one("SELECT status, attempts FROM queue_job WHERE id = $1", job.id)
        assert row["status"] == "done"
        assert row["attempts"] >= 2
    # The dead worker waking up late cannot write anything: its lease is gone.
    late = abandoned[0]
    with pytest.raises(queue.LeaseLost):
        async with queue.fenced(late):
            raise AssertionError("a stale lease must be refused")


async def test_a_retried_job_never_creates_a_second_interview(
    sandbox_settings, make_account, live_server, clean_db
):
    account, _job_id, _candidates, assessment_id = await _setup(sandbox_settings, make_account, 1)
    user = await acting_user(account)
    outcome = await invite(user, assessment_id, None)
    await settle(sandbox_settings, assessment_id)
    before = await _interviews_per_email(assessment_id)
    invitation_id = outcome.created[0]
    # As if a first attempt had stored the interview and the job ran again.
    await db.fetch("UPDATE invitation SET status = 'sending' WHERE id = $1", invitation_id)
    await queue.enqueue("invite", {"invitation_id": str(invitation_id)})
    await settle(sandbox_settings, assessment_id)
    assert await _interviews_per_email(assessment_id) == before
    link = await db.fetchval("SELECT interview_link FROM invitation WHERE id = $1", invitation_id)
    assert link
    assert (
        await db.fetchval(
            "SELECT count(DISTINCT body_text LIKE '%' || $1 || '%') FROM email_message", link
        )
        == 1
    )


async def test_refused_invite_fails_with_reason_and_can_be_retried(
    sandbox_client, sandbox_settings, make_account, live_server
):
    account, job_id, _candidates, assessment_id = await _setup(sandbox_settings, make_account, 1)
    await login(sandbox_client, account)
    key = SecretBox(TEST_SECRET_KEY).open(
        await db.fetchval("SELECT ribbon_api_key_enc FROM organisation")
    )
    await set_knobs(live_server, rejected_api_keys=[key])
    await form_post(
        sandbox_client,
        f"/jobs/{job_id}/invitations",
        {"assessment_id": str(assessment_id), "mode": "all"},
    )
    assert await settle(sandbox_settings, assessment_id) == {"failed": 1}
    row = await fetch_one("SELECT * FROM invitation")
    assert "rejected the API key" in row["failure_reason"]
    page = await sandbox_client.get(f"/jobs/{job_id}")
    assert "rejected the API key" in page.text
    assert f"/invitations/{row['id']}/retry" in page.text
    await set_knobs(live_server, reset=True)
    token = await csrf_token(sandbox_client)
    retried = await sandbox_client.post(
        f"/invitations/{row['id']}/retry", headers={"HX-Request": "true", "x-csrftoken": token}
    )
    assert retried.status_code == 200
    assert "status-sending" in retried.text
    assert await settle(sandbox_settings, assessment_id) == {"invited": 1}
    kinds = [r["kind"] for r in await db.fetch("SELECT kind FROM invitation_event ORDER BY id")]
    assert kinds[0] == "created"
    assert "failed" in kinds
    assert "retried" in kinds
    assert kinds[-2:] == ["invited", "email_sent"] or kinds[-1] == "invited"


async def test_resend_remind_cancel_and_expiry(
    sandbox_client, sandbox_settings, make_account, live_server
):
    account, job_id, _candidates, assessment_id = await _setup(sandbox_settings, make_account, 2)
    await login(sandbox_client, account)
    await form_post(
        sandbox_client,
        f"/jobs/{job_id}/invitations",
        {"assessment_id": str(assessment_id), "mode": "all"},
    )
    await settle(sandbox_settings, assessment_id)
    first, second = [
        r["id"] for r in await db.fetch("SELECT id FROM invitation ORDER BY created_at")
    ]
    token = await csrf_token(sandbox_client)
    hx = {"HX-Request": "true", "x-csrftoken": token}
    for action in ("resend", "remind"):
        # REMIND_MIN_INTERVAL_SECONDS after the last email: as if that one went out long ago
        await db.fetch("UPDATE email_message SET created_at = now() - interval '2 hours'")
        response = await sandbox_client.post(f"/invitations/{first}/{action}", headers=hx)
        assert response.status_code == 200, response.text
    emails = await db.fetch(
        "SELECT kind, body_text FROM email_message WHERE invitation_id = $1 ORDER BY created_at",
        first,
    )
    link = await db.fetchval("SELECT interview_link FROM invitation WHERE id = $1", first)
    assert [e["kind"] for e in emails] == ["invite", "invite", "reminder"]
    assert all(link in e["body_text"] for e in emails)
    assert await _interviews_per_email(assessment_id) == {
        "person0@example.com": 1,
        "person1@example.com": 1,
    }
    cancelled = await sandbox_client.post(f"/invitations/{first}/cancel", headers=hx)
    assert "status-cancelled" in cancelled.text
    again = await sandbox_client.post(f"/invitations/{first}/cancel", headers=hx)
    assert again.status_code == 400
    resend_cancelled = await sandbox_client.post(f"/invitations/{first}/resend", headers=hx)
    assert resend_cancelled.status_code == 400

    await db.fetch(
        "UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1", second
    )
    await queue.enqueue("expire_invitations", {})
    await wait_for(lambda: _status_is(second, "expired"), timeout=30) if await _run(
        sandbox_settings
    ) is not None else None
    assert await db.fetchval("SELECT status FROM invitation WHERE id = $1", second) == "expired"
    events = {r["kind"] for r in await db.fetch("SELECT kind FROM invitation_event")}
    assert {"resent", "reminded", "cancelled", "expired"} <= events


async def _run(settings):
    return await run_until_idle(settings, max_seconds=5)


async def _status_is(invitation_id, status):
    return await db.fetchval("SELECT status FROM invitation WHERE id = $1", invitation_id) == status


async def test_another_organisations_invitations_are_404(
    sandbox_client, sandbox_settings, make_account
):
    theirs, job_id, _candidates, assessment_id = await _setup(
        sandbox_settings, make_account, 1, "Theirs"
    )
    user = await acting_user(theirs)
    outcome = await invite(user, assessment_id, None)
    await settle(sandbox_settings, assessment_id)
    invitation_id = outcome.created[0]
    email_id = await db.fetchval("SELECT id FROM email_message")
    mine = await make_account(org_name="Mine", ribbon_api_key=sandbox_key())
    my_job = await make_job(mine.organisation_id)
    await login(sandbox_client, mine)
    token = await csrf_token(sandbox_client)
    hx = {"HX-Request": "true", "x-csrftoken": token}
    for action in ("retry", "resend", "remind", "cancel"):
        assert (
            await sandbox_client.post(f"/invitations/{invitation_id}/{action}", headers=hx)
        ).status_code == 404
    assert (await sandbox_client.get(f"/bulk-invites/{outcome.bulk_invite_id}")).status_code == 404
    assert (await sandbox_client.get(f"/emails/{email_id}")).status_code == 404
    assert (await sandbox_client.get(f"/emails/{email_id}/html")).status_code == 404
    # their assessment or candidates through my job, or my assessment on their job: 404
    for url, data in (
        (f"/jobs/{my_job}/invitations", {"assessment_id": str(assessment_id), "mode": "all"}),
        (f"/jobs/{job_id}/invitations", {"assessment_id": str(assessment_id), "mode": "all"}),
    ):
        assert (await form_post(sandbox_client, url, data)).status_code == 404
    assert await db.fetchval("SELECT count(*) FROM invitation") == 1
    assert json.loads(json.dumps(await statuses(assessment_id))) == {"invited": 1}


async def test_invite_nothing_selected_or_on_a_failed_assessment_is_400(
    sandbox_client, sandbox_settings, make_account
):
    account, job_id, _candidates, assessment_id = await _setup(sandbox_settings, make_account, 2)
    await login(sandbox_client, account)
    nothing = await form_post(
        sandbox_client,
        f"/jobs/{job_id}/invitations",
        {"assessment_id": str(assessment_id), "mode": "selected"},
    )
    assert nothing.status_code == 400
    assert "Select at least one candidate" in nothing.text
    await db.fetch("UPDATE assessment SET status = 'failed' WHERE id = $1", assessment_id)
    failed = await form_post(
        sandbox_client,
        f"/jobs/{job_id}/invitations",
        {"assessment_id": str(assessment_id), "mode": "all"},
    )
    assert failed.status_code == 400
    assert "only an active assessment" in failed.text
    assert await db.fetchval("SELECT count(*) FROM invitation") == 0
    assert await db.fetchval("SELECT count(*) FROM bulk_invite") == 0

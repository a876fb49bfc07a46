"""The whole loop through the sandbox over real HTTP: an assessment creates a flow, an
invitation creates an interview, the candidate finishes it in the sandbox, and the sandbox's
signed webhooks bring the result onto the invitation (processed by the live server's worker)."""

from __future__ import annotations

import httpx

from app import db
from app.accounts.service import user_by_id
from app.assessments.service import AssessmentInput, create_assessment
from app.crypto import SecretBox
from app.invitations.service import invite
from app.queue.worker import run_until_idle
from tests.conftest import TEST_SECRET_KEY
from tests.integration.recruiting import add_people, make_job, sandbox_key, wait_for


async def test_finished_interview_lands_on_the_invitation(
    sandbox_client,
    sandbox_settings,
    make_account,
    live_server,
):
    account = await make_account(org_name="Acme", ribbon_api_key=sandbox_key())
    job_id = await make_job(account.organisation_id)
    [candidate] = await add_people(account.organisation_id, job_id, 1)
    assessment = await create_assessment(
        account.organisation_id,
        account.user_id,
        job_id,
        AssessmentInput(title="Screen", questions=["Why us?", "A hard bug?"], video_enabled=True),
        sandbox_settings,
        SecretBox(TEST_SECRET_KEY),
    )
    assert assessment["status"] == "active", assessment["failure_reason"]
    user = await user_by_id(account.user_id)
    assert user is not None
    await invite(user, assessment["id"], [candidate])

    async def invited() -> dict | None:
        await run_until_idle(sandbox_settings, max_seconds=5)
        row = await db.fetchrow("SELECT * FROM invitation WHERE candidate_id = $1", candidate)
        return dict(row) if row and row["status"] == "invited" else None

    invitation = await wait_for(invited, timeout=60)
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await http.post("/sandbox/api/admin/knobs", json={"video_delay_seconds": 1})
        link = httpx.URL(invitation["interview_link"])
        page = await http.get(link.path)
        assert "Why us?" in page.text
        done = await http.post(
            link.path,
            data={"answer_0": "Because the product matters to me and to our customers.",
                  "answer_1": "A race in our cache invalidation, found with careful logging.",
                  "camera": "on"},
        )  # fmt: skip
        assert done.status_code == 303

    async def complete() -> dict | None:
        row = await db.fetchrow("SELECT * FROM invitation WHERE id = $1", invitation["id"])
        return dict(row) if row and row["status"] == "complete" else None

    finished = await wait_for(complete, timeout=60)
    assert finished["overall_score"] is not None
    result = await db.fetchrow(
        "SELECT * FROM assessment_result WHERE invitation_id = $1", invitation["id"]
    )
    assert result is not None
    assert result["summary"]
    assert result["video_url"]
    deliveries = await db.fetch(
        "SELECT event_type, status FROM webhook_delivery WHERE invitation_id = $1 ORDER BY received_at",
        invitation["id"],
    )
    assert [d["event_type"] for d in deliveries] == ["interview_processed", "video_processed"]

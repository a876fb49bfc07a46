"""Re-inviting a cancelled candidate (issue 17 bug 9): a cancelled invitation is not "invited
already". Selected again, it is reopened as a new invite (a new interview, a fresh link) and
the page says so; a cancelled one whose results arrived is kept as it is."""

from __future__ import annotations

from app import db
from app.accounts.service import create_api_token
from tests.conftest import form_post, login
from tests.dashboard_factories import make_assessment, make_invitation, set_result


async def test_reinviting_a_cancelled_candidate_reopens_the_invitation(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    cancelled = await make_invitation(assessment, status="cancelled", first_name="Grace")
    await login(client, account)

    response = await form_post(
        client,
        f"/jobs/{assessment.job_id}/invitations",
        {
            "mode": "selected",
            "candidate_ids": str(cancelled.candidate_id),
            "assessment_id": str(assessment.id),
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "everyone selected is invited already" not in response.text
    assert "invited again" in response.text
    row = await db.fetchrow(
        """SELECT status, provider_interview_id, interview_link, invited_at, bulk_invite_id
           FROM invitation WHERE id = $1""",
        cancelled.id,
    )
    assert row is not None
    assert row["status"] == "sending"
    assert row["provider_interview_id"] is None  # the invite job creates a new interview
    assert row["interview_link"] == ""
    assert row["invited_at"] is None
    assert row["bulk_invite_id"] is not None
    assert await db.fetchval("SELECT count(*) FROM invitation") == 1
    assert await db.fetchval(
        "SELECT count(*) FROM queue_job WHERE kind = 'invite' AND payload->>'invitation_id' = $1",
        str(cancelled.id),
    )
    events = await db.fetch(
        "SELECT kind, message FROM invitation_event WHERE invitation_id = $1", cancelled.id
    )
    assert [e["kind"] for e in events] == ["reinvited"]
    assert "Invited again" in events[0]["message"]

    # selected again while it is sending: now it is invited already
    again = await form_post(
        client,
        f"/jobs/{assessment.job_id}/invitations",
        {
            "mode": "selected",
            "candidate_ids": str(cancelled.candidate_id),
            "assessment_id": str(assessment.id),
        },
        follow_redirects=True,
    )
    assert "everyone selected is invited already" in again.text


async def test_cancelled_with_results_stays_and_the_api_reopens_too(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    done = await make_invitation(assessment, status="cancelled", first_name="Alan")
    await set_result(done)  # results arrived after the cancel: they are kept, not restarted
    plain = await make_invitation(assessment, status="cancelled", first_name="Ada")
    auth = {"Authorization": f"Bearer {await create_api_token(account.email)}"}
    response = await client.post(
        f"/api/v1/assessments/{assessment.id}/invitations",
        json={"candidate_ids": [str(done.candidate_id), str(plain.candidate_id)]},
        headers=auth,
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["created"] == 1
    assert body["skipped"] == 1
    statuses = {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM invitation")}
    assert statuses == {done.id: "cancelled", plain.id: "sending"}

"""Extend and re-invite (issue 14 item 2): a link's expiry moves later (card and API, audited);
a re-invite after a cancel, an expiry or a failure is a new attempt with a new interview, and
the earlier attempt stays on the candidate page; results after a cancel are said so."""

from __future__ import annotations

import datetime as dt

from app import db
from app.accounts.service import create_api_token
from tests.conftest import csrf_token, login
from tests.dashboard_factories import make_assessment, make_invitation, set_result
from tests.integration.recruiting import fetch_one


async def api(client, account):
    return {"Authorization": f"Bearer {await create_api_token(account.email)}"}


async def audit_actions(subject_id) -> list[str]:
    rows = await db.fetch(
        "SELECT action FROM audit_event WHERE subject_id = $1 ORDER BY id", str(subject_id)
    )
    return [r["action"] for r in rows]


async def test_extend_moves_the_expiry_and_revives_an_expired_link(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    waiting = await make_invitation(assessment)
    await db.fetch(
        "UPDATE invitation SET expires_at = now() + interval '1 day' WHERE id = $1", waiting.id
    )
    auth = await api(client, account)

    response = await client.post(
        f"/api/v1/invitations/{waiting.id}/extend", json={"days": 7}, headers=auth
    )
    assert response.status_code == 200, response.text
    expires = await db.fetchval("SELECT expires_at FROM invitation WHERE id = $1", waiting.id)
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    assert abs((expires - expected).total_seconds()) < 60
    assert await audit_actions(waiting.id) == ["invitation_extended"]
    event = await db.fetchval(
        "SELECT message FROM invitation_event WHERE invitation_id = $1 AND kind = 'extended'",
        waiting.id,
    )
    assert event.startswith("Link extended by ")
    assert "by 7 days" in event

    for days in (0, 61):
        bad = await client.post(
            f"/api/v1/invitations/{waiting.id}/extend", json={"days": days}, headers=auth
        )
        assert bad.status_code == 400
        assert "from 1 to 60" in bad.json()["message"]

    expired = await make_invitation(assessment, status="expired")
    await db.fetch(
        "UPDATE invitation SET expires_at = now() - interval '2 days' WHERE id = $1", expired.id
    )
    await login(client, account)
    hx = {"HX-Request": "true", "x-csrftoken": await csrf_token(client)}
    card = await client.post(f"/invitations/{expired.id}/extend", headers=hx)
    assert card.status_code == 200, card.text
    assert "Link valid until" in card.text
    row = await fetch_one("SELECT status, expires_at FROM invitation WHERE id = $1", expired.id)
    assert row["status"] == "invited"
    assert row["expires_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)

    complete = await make_invitation(assessment, status="complete")
    refused = await client.post(
        f"/api/v1/invitations/{complete.id}/extend", json={"days": 3}, headers=auth
    )
    assert refused.status_code == 409
    assert "cannot be extended" in refused.json()["message"]


async def test_reinvite_starts_a_new_attempt_and_keeps_the_earlier_one(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    expired = await make_invitation(assessment, status="expired", first_name="Grace")
    auth = await api(client, account)

    response = await client.post(f"/api/v1/invitations/{expired.id}/reinvite", headers=auth)
    assert response.status_code == 202, response.text
    assert response.json()["attempt"] == 2
    row = await fetch_one(
        "SELECT status, attempt, provider_interview_id FROM invitation WHERE id = $1", expired.id
    )
    assert (row["status"], row["attempt"], row["provider_interview_id"]) == ("sending", 2, None)
    earlier = await fetch_one(
        "SELECT attempt, status, provider_interview_id FROM invitation_attempt WHERE invitation_id = $1",
        expired.id,
    )
    assert (earlier["attempt"], earlier["status"]) == (1, "expired")
    assert earlier["provider_interview_id"] == expired.interview_id
    assert await db.fetchval(
        "SELECT count(*) FROM queue_job WHERE kind = 'invite' AND payload->>'invitation_id' = $1",
        str(expired.id),
    )
    assert await audit_actions(expired.id) == ["invitation_reinvited"]
    detail = await client.get(f"/api/v1/invitations/{expired.id}", headers=auth)
    assert [(a["attempt"], a["status"]) for a in detail.json()["attempts"]] == [(1, "expired")]

    again = await client.post(f"/api/v1/invitations/{expired.id}/reinvite", headers=auth)
    assert again.status_code == 409
    assert "only a cancelled, expired or failed one" in again.json()["message"]


async def test_results_after_a_cancel_are_said_so_and_survive_a_reinvite(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    late = await make_invitation(assessment, status="cancelled", first_name="Alan")
    await set_result(late, summary="Took it anyway; very clear.")
    await db.fetch(
        "UPDATE invitation SET completed_at = now(), overall_score = 4.2 WHERE id = $1", late.id
    )
    await login(client, account)
    page = await client.get(f"/candidates/{late.candidate_id}")
    assert "Arrived after cancellation" in page.text
    auth = await api(client, account)
    summary = (await client.get(f"/api/v1/invitations/{late.id}", headers=auth)).json()
    assert summary["invitation"]["results_after_cancel"] is True

    hx = {"HX-Request": "true", "x-csrftoken": await csrf_token(client)}
    card = await client.post(f"/invitations/{late.id}/reinvite", headers=hx)
    assert card.status_code == 200, card.text
    assert "Attempt 2" in card.text
    assert (
        await db.fetchval(
            "SELECT count(*) FROM assessment_result WHERE invitation_id = $1", late.id
        )
        == 0
    )

    page = await client.get(f"/candidates/{late.candidate_id}")
    assert "Earlier attempt (1)" in page.text
    assert "4.2" in page.text
    assert "(arrived after cancellation)" in page.text
    assert "Took it anyway; very clear." in page.text

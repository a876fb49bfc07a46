"""The inbox skips its probes of erased people for an organisation that never erased anyone
(no erasure_marker row); the erasure writes the marker in its own transaction, so the first
delivery after it, through an endpoint already cached, is redacted on arrival."""

from __future__ import annotations

from app import db
from tests.conftest import form_post, login
from tests.factories import make_assessment, make_invitation
from tests.webhook_support import event_body, post

EMAIL = "Ottoline.Brack@example.org"
REDACTED_NOTE = "names an erased candidate; redacted on arrival"


async def _markers() -> set[object]:
    return {r["organisation_id"] for r in await db.fetch("SELECT * FROM erasure_marker")}


async def test_a_delivery_right_after_the_first_erasure_is_redacted(client, make_account):
    admin = await make_account(ribbon_api_key="k")
    org = admin.organisation_id
    assessment = await make_assessment(org)
    inv = await make_invitation(assessment, email=EMAIL, first_name="Ottoline")
    other = await make_invitation(assessment)
    # The endpoint is cached, and the organisation has never erased anyone.
    warm = event_body("interview_processed", other.interview_id, assessment.flow_id)
    assert (await post(client, assessment.token, warm, assessment.secret)).status_code == 202
    assert await _markers() == set()

    await login(client, admin)
    erased = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"}
    )
    assert erased.status_code in (302, 303), erased.text
    assert await _markers() == {org}

    late = [
        event_body("video_processed", inv.interview_id, assessment.flow_id),
        event_body(
            "interview_processed",
            "an-interview-unknown-here",
            assessment.flow_id,
            interviewee_email_address=EMAIL,
        ),
    ]
    for body in late:
        answer = await post(client, assessment.token, body, assessment.secret)
        assert answer.status_code == 202, answer.text
    rows = await db.fetch(
        "SELECT * FROM webhook_delivery WHERE organisation_id = $1 ORDER BY received_at", org
    )
    assert [r["status"] for r in rows] == ["received", "ignored", "ignored"]
    for row in rows[1:]:
        assert row["last_error"] == REDACTED_NOTE
        assert (row["payload"], row["body"], row["headers"]) == (None, None, {})
    jobs = await db.fetch("SELECT payload FROM queue_job WHERE kind = 'process_delivery'")
    assert [j["payload"]["delivery_id"] for j in jobs] == [str(rows[0]["id"])]


async def test_another_organisations_erasure_leaves_this_one_unprobed(client, make_account):
    erasing = await make_account(ribbon_api_key="k")
    theirs = await make_invitation(await make_assessment(erasing.organisation_id), email=EMAIL)
    await login(client, erasing)
    await form_post(client, f"/candidates/{theirs.candidate_id}/erase", {"confirmation": "ERASE"})

    mine = await make_account(ribbon_api_key="k")
    assessment = await make_assessment(mine.organisation_id)
    # The same address, never erased here: stored and queued as usual.
    body = event_body(
        "interview_processed", "i-1", assessment.flow_id, interviewee_email_address=EMAIL
    )
    assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202
    assert await _markers() == {erasing.organisation_id}
    row = await db.fetchrow(
        "SELECT status, payload FROM webhook_delivery WHERE organisation_id = $1",
        mine.organisation_id,
    )
    assert row is not None
    assert row["status"] == "received"
    assert row["payload"]["interviewee_email_address"] == EMAIL

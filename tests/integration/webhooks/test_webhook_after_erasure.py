"""Erasure holds for what arrives afterwards: a late webhook naming an erased person (by email
or interview id) is redacted on arrival, and no error text anywhere names a candidate."""

from __future__ import annotations

import json

from app import db
from app.accounts.service import create_api_token
from app.crypto import SecretBox
from app.privacy.retention import redact_expired
from tests.conftest import TEST_SECRET_KEY, form_post, login
from tests.factories import make_assessment, make_invitation
from tests.integration.privacy_search import mentions
from tests.webhook_support import (
    FakeRibbon,
    drain,
    event_body,
    fake_resources,
    make_due,
    move_body,
    post,
)

EMAIL = "Zephyrine.Quill@example.org"
STRANGER = "never.invited@example.org"
REDACTED_NOTE = "names an erased candidate; redacted on arrival"


async def _until_dead(settings) -> None:
    for _ in range(6):
        await drain(settings, fake_resources(FakeRibbon()))
        await make_due()


def _move(flow_id: str, email: str, previous: str, new: str) -> bytes:
    return json.dumps(
        {
            "event_type": "candidate_status_updated",
            "interview_flow_id": flow_id,
            "interviewee_email": email,
            "interviewee_first_name": "Zephyrine",
            "previous_status": previous,
            "new_status": new,
        }
    ).encode()


async def test_error_texts_name_no_candidate(client, settings, make_account):
    admin = await make_account(ribbon_api_key="k")
    assessment = await make_assessment(admin.organisation_id)
    body = _move(assessment.flow_id, STRANGER, "applied", "shortlisted")
    assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202
    await _until_dead(settings)
    delivery = await db.fetchrow("SELECT status, last_error FROM webhook_delivery")
    assert delivery is not None
    assert delivery["status"] == "dead"
    assert "a candidate not invited to this assessment" in delivery["last_error"]
    job = await db.fetchrow("SELECT status, last_error FROM queue_job")
    assert job is not None
    assert (job["status"], STRANGER.lower() in job["last_error"].lower()) == ("dead", False)
    assert STRANGER.lower() not in delivery["last_error"].lower()
    await login(client, admin)
    assert STRANGER.lower() not in (await client.get("/deliveries")).text.lower()


async def test_late_webhooks_for_an_erased_candidate_are_redacted_on_arrival(
    client, settings, make_account
):
    admin = await make_account(ribbon_api_key="k")
    org = admin.organisation_id
    assessment = await make_assessment(org)
    inv = await make_invitation(assessment, email=EMAIL, first_name="Zephyrine")
    other = await make_invitation(assessment)
    await login(client, admin)
    erased = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"}
    )
    assert erased.status_code in (302, 303), erased.text
    assert await mentions(EMAIL) == {}

    late = [
        _move(assessment.flow_id, EMAIL.upper(), "applied", "shortlisted"),
        # An interview webhook naming the erased interview only, and one naming the email only.
        event_body("video_processed", inv.interview_id, assessment.flow_id),
        event_body(
            "interview_processed",
            "an-interview-unknown-here",
            assessment.flow_id,
            interviewee_email_address=f" {EMAIL.lower()} ",
        ),
    ]
    for body in late:
        answer = await post(client, assessment.token, body, assessment.secret)
        assert answer.status_code == 202, answer.text
    # Someone else's move is stored and processed as usual.
    kept = move_body(assessment.flow_id, other.email, "", "applied")
    assert (await post(client, assessment.token, kept, assessment.secret)).status_code == 202
    await _until_dead(settings)

    assert await mentions(EMAIL) == {}
    assert await mentions("Zephyrine") == {}
    # Only the (opaque) id itself is kept, to recognise the interview's late webhooks.
    assert await mentions(inv.interview_id) == {"erased_interview": 1}
    rows = await db.fetch(
        "SELECT * FROM webhook_delivery WHERE organisation_id = $1 ORDER BY received_at", org
    )
    assert len(rows) == 4
    for row in rows[:3]:
        assert row["status"] == "ignored"
        assert row["last_error"] == REDACTED_NOTE
        assert row["redacted_at"] is not None
        assert row["processed_at"] is not None
        assert (row["payload"], row["body"], row["headers"]) == (None, None, {})
    assert rows[3]["status"] == "processed"
    assert rows[3]["payload"] is not None
    # Nothing was queued for the redacted ones.
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE kind = 'process_delivery'") == 1

    page = await client.get("/deliveries")
    assert page.status_code == 200
    assert EMAIL.lower() not in page.text.lower()
    assert page.text.count(REDACTED_NOTE) == 3
    token = await create_api_token(admin.email, "test")
    api = await client.get(
        "/api/v1/webhook-deliveries", headers={"authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200
    assert EMAIL.lower() not in api.text.lower()
    for row in rows[:3]:
        detail = await client.get(f"/deliveries/{row['id']}")
        assert EMAIL.lower() not in detail.text.lower()


async def test_a_delivery_that_slipped_past_the_erasure_is_redacted_by_retention(
    client, settings, make_account
):
    """Stored while the erasure was committing (so not redacted on arrival) and dead since:
    the retention run finds it by the keyed hash of the email and clears its error too."""
    admin = await make_account(ribbon_api_key="k")
    org = admin.organisation_id
    assessment = await make_assessment(org)
    inv = await make_invitation(assessment, email=EMAIL)
    await login(client, admin)
    await form_post(client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"})
    key = SecretBox(TEST_SECRET_KEY).candidate_key(org, EMAIL)
    await db.fetch(
        """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider,
               idempotency_key, event_type, status, payload, candidate_key, last_error)
           VALUES ($1, $2, 'ribbon', 'raced', 'candidate_status_updated', 'dead', $3::jsonb, $4,
                   $5)""",
        org,
        assessment.id,
        json.dumps({"event_type": "candidate_status_updated", "email": "hidden"}),
        key,
        "an old error text that named the person",
    )
    async with db.transaction():
        await redact_expired(30)
    row = await db.fetchrow("SELECT * FROM webhook_delivery WHERE idempotency_key = 'raced'")
    assert row is not None
    assert row["payload"] is None
    assert row["redacted_at"] is not None
    assert row["last_error"] == "names an erased candidate; redacted"

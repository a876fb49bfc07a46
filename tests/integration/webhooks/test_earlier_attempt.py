"""A re-invite archives the earlier attempt with its provider interview. A webhook that still
comes for that earlier interview (the candidate finished the old link, or the provider retries
late) belongs to no current invitation: it is set aside with the reason at once, not retried
until it dies, and it changes neither the new attempt nor the archived one."""

from __future__ import annotations

from app import db
from tests.factories import make_assessment, make_invitation, make_org
from tests.integration.recruiting import fetch_one
from tests.webhook_support import FakeRibbon, drain, event_body, fake_resources, post


async def test_a_webhook_for_an_earlier_attempts_interview_is_set_aside(client, settings):
    ribbon = FakeRibbon()
    org = await make_org(name="Re-invites", ribbon_api_key="key-r")
    assessment = await make_assessment(org, video_enabled=False)
    invitation = await make_invitation(assessment)
    old_interview = invitation.interview_id
    ribbon.complete(old_interview, video=False)
    # What a re-invite leaves behind: the attempt archived, a new interview on the invitation.
    await db.fetch(
        """INSERT INTO invitation_attempt (organisation_id, invitation_id, attempt, status,
                                           provider_interview_id)
           VALUES ($1, $2, 1, 'cancelled', $3)""",
        org,
        invitation.id,
        old_interview,
    )
    await db.fetch(
        """UPDATE invitation SET provider_interview_id = 'new-interview', attempt = 2,
                  status = 'invited' WHERE id = $1""",
        invitation.id,
    )

    sent = await post(
        client,
        assessment.token,
        event_body("interview_processed", old_interview),
        assessment.secret,
    )
    assert sent.status_code == 202, sent.text
    await drain(settings, fake_resources(ribbon))

    row = await fetch_one(
        "SELECT status, last_error FROM webhook_delivery WHERE id = $1::uuid",
        sent.json()["delivery_id"],
    )
    assert dict(row) == {
        "status": "ignored",
        "last_error": "interview of an earlier attempt (re-invited since)",
    }
    job = await fetch_one(
        "SELECT status, attempts FROM queue_job WHERE payload->>'delivery_id' = $1",
        sent.json()["delivery_id"],
    )
    assert (job["status"], job["attempts"]) == ("done", 1)
    current = await fetch_one(
        "SELECT status, provider_interview_id FROM invitation WHERE id = $1", invitation.id
    )
    assert dict(current) == {"status": "invited", "provider_interview_id": "new-interview"}

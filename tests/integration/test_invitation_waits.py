"""Every invitation reaches an end (issue 14 item 1): what the provider does not deliver within
VIDEO_WAIT_SECONDS / RESULTS_WAIT_SECONDS, or what it said will not come, stops being awaited;
the invitation is complete and says what is unavailable; a late arrival still merges in."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from app import db
from app.accounts.service import create_api_token
from app.invitations import cards, lifecycle, waits
from app.providers.ribbon.translate import translate_interview
from app.providers.ribbon.webhooks import RibbonWebhooks
from tests.conftest import login
from tests.factories import make_assessment, make_invitation

ADAPTER = RibbonWebhooks()
DAY = 86400


def interview(interview_id: str, *, motivation: float | None = None, video: bool = False) -> Any:
    data = {
        "transcript": "Interviewer: Why this role?\nCandidate: I like hard problems.",
        "summary": "Thoughtful answers.",
        "scores": {"communication": 4, "motivation": motivation, "skills": 5},
        "audio_url": "https://example.com/a.mp3",
        "video_url": "https://example.com/v.mp4" if video else None,
    }
    payload = {"interview_id": interview_id, "status": "completed", "interview_data": data}
    return translate_interview(payload)


async def record(invitation: Any, **parts: Any) -> Any:
    return await lifecycle.record_result(
        invitation.organisation_id,
        "ribbon",
        invitation.interview_id,
        interview(invitation.interview_id, **parts),
        ADAPTER,
        lifecycle.Source(kind="webhook", message="webhook received", signalled=True),
    )


async def state(invitation_id: Any) -> Any:
    return await db.fetchrow(
        """SELECT status, missing, unavailable, completed_at, video_due_at, results_due_at,
                  overall_score FROM invitation WHERE id = $1""",
        invitation_id,
    )


async def events(invitation_id: Any) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT kind, message FROM invitation_event WHERE invitation_id = $1 ORDER BY id",
        invitation_id,
    )
    return [(r["kind"], r["message"]) for r in rows]


async def test_waits_run_out_then_the_invitation_is_complete_and_a_late_score_merges(
    client, make_account
):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    invitation = await make_invitation(assessment)
    await record(invitation)
    before = await state(invitation.id)
    assert before["status"] == "partial"
    assert before["missing"] == ["score: motivation", "video"]

    # the first pass gives the waits their deadlines, counted from the completion
    assert await waits.settle_due(DAY, 2 * DAY) == []
    row = await state(invitation.id)
    assert row["video_due_at"] == row["completed_at"] + dt.timedelta(days=1)
    assert row["results_due_at"] == row["completed_at"] + dt.timedelta(days=2)
    card = await cards.card_for(account.organisation_id, invitation.id)
    assert card is not None
    assert [(item, until) for item, _, until in card.expected] == [
        ("score: motivation", row["results_due_at"]),
        ("video", row["video_due_at"]),
    ]

    # the video's wait is over: still partial, waiting for the score alone
    await db.fetch(
        "UPDATE invitation SET video_due_at = now() - interval '1 second' WHERE id = $1",
        invitation.id,
    )
    assert await waits.settle_due(DAY, DAY) == [invitation.id]
    row = await state(invitation.id)
    assert (row["status"], row["missing"], row["unavailable"]) == (
        "partial",
        ["score: motivation"],
        ["video"],
    )

    # then the results' wait: complete, saying what will not come
    await db.fetch(
        "UPDATE invitation SET results_due_at = now() - interval '1 second' WHERE id = $1",
        invitation.id,
    )
    assert await waits.settle_due(DAY, DAY) == [invitation.id]
    row = await state(invitation.id)
    assert (row["status"], row["missing"]) == ("complete", [])
    assert row["unavailable"] == ["video", "score: motivation"]
    card = await cards.card_for(account.organisation_id, invitation.id)
    assert card is not None
    assert card.unavailable_labels == ["no video recorded", "motivation not scored"]
    assert ("unavailable", "No longer waiting: motivation not scored") in await events(
        invitation.id
    )
    assert ("status", "status: partial -> complete") in await events(invitation.id)

    token = await create_api_token(account.email)
    response = await client.get(
        f"/api/v1/invitations/{invitation.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    summary = response.json()["invitation"]
    assert summary["status"] == "complete"
    assert summary["unavailable"] == [
        {"item": "video", "label": "no video recorded"},
        {"item": "score: motivation", "label": "motivation not scored"},
    ]
    assert summary["expected"] == []

    await login(client, account)
    page = await client.get(f"/invitations/{invitation.id}/card", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "Unavailable: no video recorded, motivation not scored" in page.text

    # the score arrives late: merged in, no longer unavailable, still complete
    await record(invitation, motivation=3)
    row = await state(invitation.id)
    assert (row["status"], row["missing"], row["unavailable"]) == ("complete", [], ["video"])
    assert float(row["overall_score"]) == 4.0
    assert any(kind == "late_arrival" for kind, _ in await events(invitation.id))


async def test_a_processed_video_event_without_video_means_no_video_recorded(make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    invitation = await make_invitation(assessment)
    await record(invitation, motivation=4)
    assert (await state(invitation.id))["missing"] == ["video"]

    async def delivery(age_minutes: int) -> None:
        await db.fetch(
            """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider,
                   idempotency_key, event_type, status, invitation_id, received_at)
               VALUES ($1, $2, 'ribbon', $3, 'video_processed', 'processed', $4,
                       now() - make_interval(mins => $5))""",
            account.organisation_id,
            assessment.id,
            secrets.token_hex(8),
            invitation.id,
            age_minutes,
        )

    # just processed: the webhook's re-checks may still find the video
    await delivery(1)
    assert await waits.settle_due(DAY, DAY) == []
    assert (await state(invitation.id))["status"] == "partial"

    await delivery(11)
    assert await waits.settle_due(DAY, DAY) == [invitation.id]
    row = await state(invitation.id)
    assert (row["status"], row["unavailable"]) == ("complete", ["video"])
    assert ("unavailable", "No longer waiting: no video recorded") in await events(invitation.id)

    # another organisation's partial invitation is settled on its own terms only
    other = await make_account(org_name="Other")
    theirs = await make_invitation(await make_assessment(other.organisation_id, video_enabled=True))
    await record(theirs, motivation=4)
    assert await waits.settle_due(DAY, DAY) == []
    assert (await state(theirs.id))["status"] == "partial"

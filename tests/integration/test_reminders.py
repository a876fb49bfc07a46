"""Reminders that run themselves (issue 14 item 3): each assessment's schedule, sent once each
through the outbox while the candidate has not taken the interview, editable on the assessment
page and through the API; manual Remind and Resend are limited by REMIND_MIN_INTERVAL_SECONDS."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from app import db
from app.accounts.service import create_api_token
from app.invitations import reminders
from tests.conftest import csrf_token, form_post, login
from tests.factories import make_assessment, make_invitation

HOUR = 3600


async def invited(assessment: Any, *, hours_ago: float, expires_in_hours: float) -> Any:
    invitation = await make_invitation(assessment)
    await db.fetch(
        """UPDATE invitation SET interview_link = 'https://sandbox.example/i/' || id::text,
               invited_at = now() - make_interval(secs => $2),
               expires_at = now() + make_interval(secs => $3)
           WHERE id = $1""",
        invitation.id,
        hours_ago * HOUR,
        expires_in_hours * HOUR,
    )
    return invitation


async def emails(invitation_id: uuid.UUID) -> list[str]:
    rows = await db.fetch(
        "SELECT kind FROM email_message WHERE invitation_id = $1 ORDER BY created_at",
        invitation_id,
    )
    return [r["kind"] for r in rows]


async def slots(invitation_id: uuid.UUID) -> dict[str, bool]:
    rows = await db.fetch(
        "SELECT slot, email_id FROM invitation_reminder WHERE invitation_id = $1",
        invitation_id,
    )
    return {r["slot"]: r["email_id"] is not None for r in rows}


async def test_the_default_schedule_reminds_once_each_and_never_after_the_interview(make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    waiting = await invited(assessment, hours_ago=49, expires_in_hours=24 * 10)
    fresh = await invited(assessment, hours_ago=2, expires_in_hours=24 * 10)
    done = await invited(assessment, hours_ago=49, expires_in_hours=24 * 10)
    cancelled = await invited(assessment, hours_ago=49, expires_in_hours=24 * 10)
    await db.fetch("UPDATE invitation SET status = 'complete' WHERE id = $1", done.id)
    await db.fetch("UPDATE invitation SET status = 'cancelled' WHERE id = $1", cancelled.id)

    assert await reminders.send_due(HOUR) == [waiting.id]
    assert await emails(waiting.id) == ["reminder"]
    assert await slots(waiting.id) == {"after:48": True}
    for other in (fresh, done, cancelled):
        assert await emails(other.id) == []
    event = await db.fetchrow(
        "SELECT message FROM invitation_event WHERE invitation_id = $1 AND kind = 'reminded'",
        waiting.id,
    )
    assert event is not None
    assert event["message"] == "Automatic reminder sent (48 h after the invitation)"
    assert await reminders.send_due(HOUR) == []  # never twice

    # a day before expiry: the second reminder (the first went out long enough ago)
    await db.fetch("UPDATE email_message SET created_at = now() - interval '2 hours'")
    await db.fetch(
        "UPDATE invitation SET expires_at = now() + interval '23 hours' WHERE id = $1", waiting.id
    )
    assert await reminders.send_due(HOUR) == [waiting.id]
    assert await emails(waiting.id) == ["reminder", "reminder"]
    assert await slots(waiting.id) == {"after:48": True, "before:24": True}


async def test_a_reminder_due_right_after_another_email_is_skipped(make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    invitation = await invited(assessment, hours_ago=50, expires_in_hours=24 * 10)
    await db.fetch(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
               to_address, subject, body_text, body_html)
           VALUES ($1, $2, $3, 'reminder', 'a@example.com', 'Reminder', 'Hi', '<p>Hi</p>')""",
        account.organisation_id,
        invitation.id,
        invitation.candidate_id,
    )
    assert await reminders.send_due(HOUR) == []
    assert await slots(invitation.id) == {"after:48": False}
    assert await emails(invitation.id) == ["reminder"]  # only the manual one


def test_due_slots_follow_the_schedule():
    from app.assessments.reminders import ReminderSchedule

    invited_at = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    expires = invited_at + dt.timedelta(days=14)
    schedule = ReminderSchedule((48, 96), (24,))
    at = invited_at + dt.timedelta(hours=97)
    assert reminders.due_slots(schedule, invited_at, expires, [], at) == ["after:48", "after:96"]
    assert reminders.due_slots(schedule, invited_at, expires, ["after:48"], at) == ["after:96"]
    late = expires - dt.timedelta(hours=1)
    assert "before:24" in reminders.due_slots(schedule, invited_at, expires, [], late)
    assert reminders.due_slots(schedule, invited_at, expires, [], expires) == []


async def test_the_schedule_is_edited_on_the_assessment_page_and_through_the_api(
    client, make_account
):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    await login(client, account)
    page = await client.get(f"/assessments/{assessment.id}")
    assert "48 h after the invitation, 24 h before the link expires" in page.text

    bad = await form_post(
        client, f"/assessments/{assessment.id}/reminders", {"after": "48, soon", "before": ""}
    )
    assert bad.status_code == 400
    assert "“soon” is not a whole number" in bad.text
    assert 'value="48, soon"' in bad.text  # what was typed stays
    stored = await db.fetchval(
        "SELECT reminder_schedule FROM assessment WHERE id = $1", assessment.id
    )
    assert stored == {"after_invite_hours": [48], "before_expiry_hours": [24]}

    ok = await form_post(
        client,
        f"/assessments/{assessment.id}/reminders",
        {"after": "96, 72", "before": ""},
        follow_redirects=False,
    )
    assert ok.status_code in (302, 303)
    stored = await db.fetchval(
        "SELECT reminder_schedule FROM assessment WHERE id = $1", assessment.id
    )
    assert stored == {"after_invite_hours": [72, 96], "before_expiry_hours": []}
    audit = await db.fetchrow(
        "SELECT action, subject_id FROM audit_event WHERE action = 'reminder_schedule_changed'"
    )
    assert audit is not None
    assert audit["subject_id"] == str(assessment.id)

    auth = {"Authorization": f"Bearer {await create_api_token(account.email)}"}
    url = f"/api/v1/assessments/{assessment.id}/reminders"
    assert (await client.get(url, headers=auth)).json() == {
        "after_invite_hours": [72, 96],
        "before_expiry_hours": [],
    }
    wrong = await client.put(
        url, json={"after_invite_hours": [0], "before_expiry_hours": []}, headers=auth
    )
    assert wrong.status_code == 400
    assert "whole numbers from 1 to 2160" in wrong.json()["message"]
    put = await client.put(
        url, json={"after_invite_hours": [24], "before_expiry_hours": [12]}, headers=auth
    )
    assert put.status_code == 200, put.text
    got = await client.get(f"/api/v1/assessments/{assessment.id}", headers=auth)
    assert got.json()["reminder_schedule"] == {
        "after_invite_hours": [24],
        "before_expiry_hours": [12],
    }


async def test_manual_remind_and_resend_wait_for_the_minimum_interval(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    invitation = await invited(assessment, hours_ago=3, expires_in_hours=24 * 10)
    auth = {"Authorization": f"Bearer {await create_api_token(account.email)}"}

    first = await client.post(f"/api/v1/invitations/{invitation.id}/remind", headers=auth)
    assert first.status_code == 200, first.text
    again = await client.post(f"/api/v1/invitations/{invitation.id}/resend", headers=auth)
    assert again.status_code == 429
    assert "The last email to this candidate went out at" in again.json()["message"]
    assert "another can be sent from" in again.json()["message"]
    assert 3500 <= int(again.headers["retry-after"]) <= 3600
    assert await emails(invitation.id) == ["reminder"]

    await login(client, account)
    hx = {"HX-Request": "true", "x-csrftoken": await csrf_token(client)}
    card = await client.post(f"/invitations/{invitation.id}/remind", headers=hx)
    assert card.status_code == 429
    assert "another can be sent from" in card.headers["hx-trigger"]
    assert await emails(invitation.id) == ["reminder"]

    await db.fetch("UPDATE email_message SET created_at = now() - interval '61 minutes'")
    later = await client.post(f"/invitations/{invitation.id}/resend", headers=hx)
    assert later.status_code == 200, later.text
    assert await emails(invitation.id) == ["reminder", "invite"]
    actions = [
        r["action"]
        for r in await db.fetch(
            "SELECT action FROM audit_event WHERE subject_id = $1 ORDER BY id", str(invitation.id)
        )
    ]
    assert actions == ["invitation_reminded", "invitation_resent"]

    done = await client.post(f"/api/v1/invitations/{invitation.id}/cancel", headers=auth)
    assert done.json()["status"] == "cancelled"
    refused = await client.post(f"/api/v1/invitations/{invitation.id}/remind", headers=auth)
    assert refused.status_code == 409
    assert "waiting for the candidate" in refused.json()["message"]

"""Reminders: the periodic `send_reminders` job sends each invitation's scheduled reminders (its
assessment's schedule, app/assessments/reminders.py) through the outbox, once each, only while
the candidate has not taken the interview; and the limit on manual Remind and Resend
(`REMIND_MIN_INTERVAL_SECONDS` after the invitation's last email)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Collection
from typing import Any

from app import db
from app.assessments.reminders import ReminderSchedule
from app.emails.service import queue_invitation_email
from app.errors import TooMany
from app.invitations import timeline
from app.queue import service as queue
from app.queue.periodic import periodic
from app.queue.registry import job_kind
from app.queue.service import Job

REMIND_EVERY_SECONDS = 300
BATCH = 500

# Invitations waiting for the candidate with a reminder of their schedule due and not yet
# recorded; locked, skipping any a recruiter is acting on (the next run takes them).
DUE_SQL = """SELECT i.id, i.organisation_id, i.job_id, i.invited_at, i.expires_at,
        a.reminder_schedule,
        ARRAY(SELECT r.slot FROM invitation_reminder r WHERE r.invitation_id = i.id) AS done,
        (SELECT max(e.created_at) FROM email_message e WHERE e.invitation_id = i.id)
            AS last_email_at
    FROM invitation i JOIN assessment a ON a.id = i.assessment_id
    WHERE i.status = 'invited' AND i.interview_link <> '' AND i.invited_at IS NOT NULL
      AND i.expires_at > now()
      AND EXISTS (
        SELECT 1 FROM jsonb_array_elements_text(a.reminder_schedule->'after_invite_hours') h
        WHERE i.invited_at + make_interval(hours => h::int) <= now()
          AND NOT EXISTS (SELECT 1 FROM invitation_reminder r
                          WHERE r.invitation_id = i.id AND r.slot = 'after:' || h)
        UNION ALL
        SELECT 1 FROM jsonb_array_elements_text(a.reminder_schedule->'before_expiry_hours') h
        WHERE i.expires_at - make_interval(hours => h::int) <= now()
          AND NOT EXISTS (SELECT 1 FROM invitation_reminder r
                          WHERE r.invitation_id = i.id AND r.slot = 'before:' || h))
    ORDER BY i.invited_at
    LIMIT $1
    FOR UPDATE OF i SKIP LOCKED"""

LAST_EMAIL_SQL = """SELECT max(created_at) FROM email_message
    WHERE invitation_id = $1 AND kind IN ('invite', 'reminder')"""


def slot_label(slot: str) -> str:
    kind, _, hours = slot.partition(":")
    return f"{hours} h after the invitation" if kind == "after" else f"{hours} h before expiry"


def due_slots(
    schedule: ReminderSchedule,
    invited_at: dt.datetime,
    expires_at: dt.datetime,
    done: Collection[str],
    now: dt.datetime,
) -> list[str]:
    """The schedule's reminders that are due now and not yet sent or skipped, in time order."""
    timed = [
        (invited_at + dt.timedelta(hours=h), f"after:{h}") for h in schedule.after_invite_hours
    ]
    timed += [
        (expires_at - dt.timedelta(hours=h), f"before:{h}") for h in schedule.before_expiry_hours
    ]
    return [slot for at, slot in sorted(timed) if at <= now < expires_at and slot not in done]


async def _remind(row: Any, min_interval: dt.timedelta, now: dt.datetime) -> bool:
    """Send one reminder for everything due (several due at once make one email), or record
    them as skipped when an email went out within the minimum interval. True when sent."""
    schedule = ReminderSchedule.from_stored(row["reminder_schedule"])
    slots = due_slots(schedule, row["invited_at"], row["expires_at"], row["done"], now)
    if not slots:
        return False
    org, inv = row["organisation_id"], row["id"]
    last = row["last_email_at"]
    which = ", ".join(slot_label(s) for s in slots)
    email_id: uuid.UUID | None = None
    if last is not None and now - last < min_interval:
        note = f"skipped: an email went out at {last:%d %b %H:%M} UTC"
        await timeline.add_event(org, inv, "reminder_skipped", f"Reminder ({which}) {note}")
    else:
        email_id = await queue_invitation_email("reminder", inv)
        note = ""
        await timeline.add_event(
            org,
            inv,
            "reminded",
            f"Automatic reminder sent ({which})",
            {"email_id": str(email_id), "slots": slots},
        )
        await db.fetch("UPDATE invitation SET updated_at = now() WHERE id = $1", inv)
        await timeline.announce(org, row["job_id"], inv)
    await db.fetch(
        """INSERT INTO invitation_reminder (organisation_id, invitation_id, slot, email_id, note)
           SELECT $1, $2, s, $4, $5 FROM unnest($3::text[]) AS s
           ON CONFLICT (invitation_id, slot) DO NOTHING""",
        org,
        inv,
        slots,
        email_id,
        note,
    )
    return email_id is not None


async def send_due(min_interval_seconds: int) -> list[uuid.UUID]:
    """One pass, inside the caller's transaction; the invitations reminded."""
    rows = await db.fetch(DUE_SQL, BATCH)
    now = dt.datetime.now(dt.UTC)
    interval = dt.timedelta(seconds=min_interval_seconds)
    return [row["id"] for row in rows if await _remind(row, interval, now)]


@periodic("send_reminders", every=lambda settings: REMIND_EVERY_SECONDS)
@job_kind("send_reminders")
async def send_reminders(job: Job, ctx: Any) -> None:
    async with queue.fenced(job):
        await send_due(ctx.settings.remind_min_interval_seconds)


async def check_interval(invitation_id: uuid.UUID, min_interval_seconds: int) -> None:
    """Refuse (TooMany) a manual Remind or Resend within the minimum interval of the
    invitation's last email, saying when that was and when another is allowed."""
    last: dt.datetime | None = await db.fetchval(LAST_EMAIL_SQL, invitation_id)
    if last is None:
        return
    allowed = last + dt.timedelta(seconds=min_interval_seconds)
    wait = (allowed - dt.datetime.now(dt.UTC)).total_seconds()
    if wait > 0:
        raise TooMany(
            f"The last email to this candidate went out at {last:%d %b %H:%M} UTC; "
            f"another can be sent from {allowed:%d %b %H:%M} UTC.",
            retry_after=math.ceil(wait),
        )

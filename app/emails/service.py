"""The email outbox: render a message from its templates, write it as a row (inside the
caller's transaction) and queue the job that sends it; read messages back for the dashboard."""

from __future__ import annotations

import uuid
from typing import Any

from app import db
from app.emails import custom
from app.errors import NotFound
from app.mail import rendering
from app.queue import service as queue

# Rendering lives in app/mail/rendering.py; these names stay here for their callers.
KINDS, SUBJECTS, render = rendering.KINDS, rendering.SUBJECTS, rendering.render


async def queue_invitation_email(kind: str, invitation_id: uuid.UUID) -> uuid.UUID:
    """Write the email for an invitation into the outbox and queue its sending. Runs inside
    the caller's transaction, so the email exists if and only if the invitation change does."""
    row = await db.fetchrow(
        """SELECT i.organisation_id, i.candidate_id, i.interview_link, i.expires_at,
                  c.email, c.first_name, c.last_name, j.title AS job_title, o.name AS org_name,
                  t.subject AS custom_subject, t.body AS custom_body, t.sender_name
           FROM invitation i JOIN candidate c ON c.id = i.candidate_id
           JOIN job j ON j.id = i.job_id JOIN organisation o ON o.id = i.organisation_id
           LEFT JOIN email_template t
               ON t.organisation_id = i.organisation_id AND t.kind = $2
           WHERE i.id = $1""",
        invitation_id,
        kind,
    )
    if row is None:
        raise NotFound("No such invitation.")
    expires = row["expires_at"]
    context = {
        "first_name": row["first_name"] or "there",
        "last_name": row["last_name"] or "",
        "job_title": row["job_title"],
        "org_name": row["org_name"],
        "link": row["interview_link"],
        "expires_at": expires.strftime("%d %B %Y") if expires else "",
    }
    if row["custom_body"]:  # the organisation's own wording (app/emails/custom.py)
        template = {"subject": row["custom_subject"], "body": row["custom_body"]}
        subject, text, html = custom.render(template, context, row["org_name"])
    else:
        subject, text, html = render(kind, context)
    email_id: uuid.UUID = await db.fetchval(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
               to_address, subject, body_text, body_html, from_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id""",
        row["organisation_id"],
        invitation_id,
        row["candidate_id"],
        kind,
        row["email"],
        subject,
        text,
        html,
        row["sender_name"] or "",
    )
    await queue.enqueue(
        "send_email",
        {"email_id": str(email_id)},
        dedupe_key=f"send_email:{email_id}",
        organisation_id=row["organisation_id"],
        max_attempts=6,
    )
    return email_id


_COLUMNS = """id, invitation_id, candidate_id, kind, to_address, subject, body_text, status,
              attempts, last_error, created_at, sent_at"""


async def emails_of_candidate(
    organisation_id: uuid.UUID, candidate_id: uuid.UUID
) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"""SELECT {_COLUMNS} FROM email_message
            WHERE candidate_id = $1 AND organisation_id = $2 ORDER BY created_at DESC""",
        candidate_id,
        organisation_id,
    )
    return [dict(r) for r in rows]


async def get_email(organisation_id: uuid.UUID, email_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        f"SELECT {_COLUMNS}, body_html FROM email_message WHERE id = $1 AND organisation_id = $2",
        email_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such email.")
    return dict(row)

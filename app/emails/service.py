"""The email outbox: render a message from its templates, write it as a row (inside the
caller's transaction) and queue the job that sends it; read messages back for the dashboard."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import jinja2
from litestar.exceptions import NotFoundException

from app import db
from app.queue import service as queue
from app.settings import PROJECT_ROOT
from app.text import displayable

KINDS = ("invite", "reminder", "password_reset", "team_invite")
SUBJECTS = {
    "invite": "Your video interview for {job_title} at {org_name}",
    "reminder": "Reminder: your video interview for {job_title} at {org_name}",
    "password_reset": "Set a new password for {org_name}",
    "team_invite": "You are invited to {org_name} on Hirewire",
}


@cache
def _environment() -> jinja2.Environment:
    # Candidate and job names are untrusted: the HTML part is autoescaped, the text part is not
    # (plain text has nothing to escape).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates" / "emails"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=displayable,
    )


def _one_line(text: str) -> str:
    """Header values must not carry line breaks (header injection)."""
    return " ".join(text.split())[:200]


def render(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an email of `kind`."""
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    subject = _one_line(SUBJECTS[kind].format(**context))
    env = _environment()
    full = {"subject": subject, "minutes": 15, "expires_at": "", **context}
    text = env.get_template(f"{kind}.txt").render(full)
    html = env.get_template(f"{kind}.html").render(full)
    return subject, text, html


async def queue_invitation_email(kind: str, invitation_id: uuid.UUID) -> uuid.UUID:
    """Write the email for an invitation into the outbox and queue its sending. Runs inside
    the caller's transaction, so the email exists if and only if the invitation change does."""
    row = await db.fetchrow(
        """SELECT i.organisation_id, i.candidate_id, i.interview_link, i.expires_at,
                  c.email, c.first_name, c.last_name, j.title AS job_title, o.name AS org_name
           FROM invitation i JOIN candidate c ON c.id = i.candidate_id
           JOIN job j ON j.id = i.job_id JOIN organisation o ON o.id = i.organisation_id
           WHERE i.id = $1""",
        invitation_id,
    )
    if row is None:
        raise NotFoundException("No such invitation.")
    expires = row["expires_at"]
    subject, text, html = render(
        kind,
        {
            "first_name": row["first_name"] or "there",
            "job_title": row["job_title"],
            "org_name": row["org_name"],
            "link": row["interview_link"],
            "expires_at": expires.strftime("%d %B %Y") if expires else "",
        },
    )
    email_id: uuid.UUID = await db.fetchval(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
               to_address, subject, body_text, body_html)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id""",
        row["organisation_id"],
        invitation_id,
        row["candidate_id"],
        kind,
        row["email"],
        subject,
        text,
        html,
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
        raise NotFoundException("No such email.")
    return dict(row)

"""The "send_email" job: delivers one outbox row over SMTP (aiosmtplib). Without SMTP_URL the
row is marked not_sent and stays readable; SMTP failures retry with backoff, then fail."""

from __future__ import annotations

import email.utils
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Any

from app import db
from app.emails.statuses import EmailStatus
from app.logs import get_logger
from app.mail.smtp import smtp_send
from app.queue import service as queue
from app.queue.registry import job_kind
from app.queue.service import Job

log = get_logger(__name__)


def build_message(row: Any, sender: str) -> EmailMessage:
    message = EmailMessage()
    name = row.get("from_name") if hasattr(row, "get") else None
    if name:  # the organisation's sender name, with EMAIL_FROM's address
        message["From"] = email.utils.formataddr((name, email.utils.parseaddr(sender)[1]))
    else:
        message["From"] = sender
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(idstring=str(row["id"]), domain="hirewire")
    message.set_content(row["body_text"])
    message.add_alternative(row["body_html"], subtype="html")
    return message


# Run in the transaction that marks an email sent, with its row (kind, organisation_id,
# invitation_id, job_id): a feature an email was sent for records it on its own side (the
# invitation's timeline). Registered from the feature with @on_email_sent; emails names none.
SentHook = Callable[[Any], Awaitable[None]]
SENT_HOOKS: list[SentHook] = []


def on_email_sent(hook: SentHook) -> SentHook:
    SENT_HOOKS.append(hook)
    return hook


async def _load(email_id: uuid.UUID) -> Any:
    return await db.fetchrow(
        """SELECT e.id, e.organisation_id, e.invitation_id, e.to_address, e.subject, e.body_text,
                  e.body_html, e.status, e.kind, e.from_name, i.job_id
           FROM email_message e LEFT JOIN invitation i ON i.id = e.invitation_id
           WHERE e.id = $1""",
        email_id,
    )


async def _on_failure(job: Job, error: str, dead: bool) -> None:
    """Runs in the transaction that reschedules or kills the job."""
    await db.fetch(
        """UPDATE email_message SET attempts = attempts + 1, last_error = $2,
               status = CASE WHEN $3 THEN 'failed' ELSE status END
           WHERE id = $1 AND status NOT IN ('sent', 'not_sent')""",
        uuid.UUID(job.payload["email_id"]),
        error[:1000],
        dead,
    )
    if dead:
        log.warning("email_failed", email_id=job.payload["email_id"], error=error[:200])


@job_kind("send_email", on_failure=_on_failure)
async def send_email(job: Job, ctx: Any) -> None:
    email_id = uuid.UUID(job.payload["email_id"])
    row = await _load(email_id)
    if row is None or row["status"] in (EmailStatus.SENT, EmailStatus.NOT_SENT):
        return
    smtp_url = ctx.settings.smtp_url
    if not smtp_url:
        async with queue.fenced(job):
            await db.fetch(
                "UPDATE email_message SET status = 'not_sent', last_error = $2 WHERE id = $1",
                email_id,
                "SMTP_URL is not set: the email is kept here and was not sent.",
            )
        return
    await smtp_send(build_message(row, ctx.settings.email_from), smtp_url)
    async with queue.fenced(job):
        # Only while the row is still the one that was sent: a candidate erased during the
        # SMTP exchange keeps the erasure's state (placeholder address, not_sent), and nothing
        # written here brings their data back.
        sent = await db.fetchval(
            """UPDATE email_message SET status = 'sent', sent_at = now(), last_error = '',
                   attempts = attempts + 1
               WHERE id = $1 AND to_address = $2 AND status NOT IN ('sent', 'not_sent')
               RETURNING id""",
            email_id,
            row["to_address"],
        )
        if sent is None:
            log.info("email_sent_after_change", email_id=str(email_id))
            return
        for hook in SENT_HOOKS:
            await hook(row)

"""Password reset by email: a request answers the same whether or not the address has an
account, is limited like the login (a browser that has logged in to the account before is not
held back by requests made elsewhere), and, for an account, sends a one-time link valid for an
hour. The link's token is stored hashed; the sender gets it sealed with the app's key, and the
sealed copy is dropped once the email is out. Setting the new password ends every session."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any

from app import db
from app.accounts.passwords import password_problem
from app.accounts.service import AccountError, admission, change_password
from app.crypto import SecretBox, new_token, token_hash
from app.logs import get_logger
from app.mail import rendering
from app.mail.smtp import smtp_send
from app.queue import service as queue
from app.queue.registry import job_kind
from app.queue.service import Job
from app.text import clean

log = get_logger(__name__)

SEND_KIND = "send_password_reset"
RESET_PREFIX = "hwr_"
VALID_MINUTES = 60
INVITE_DAYS = 7  # a colleague's invitation link
MAX_REQUESTS = 3  # per email or address within the window before requests slow down
WINDOW_SECONDS = 15 * 60


async def request_reset(email: str, ip: str, device: str | None, box: SecretBox) -> int:
    """Record a request and, for an active account, queue its email. Returns the seconds to
    wait when there were too many requests (0 when accepted), the same for any address."""
    email = clean(email, "exact").strip().lower()[:254]
    ip = clean(ip, "exact", 200)
    async with db.transaction():
        wait, device = await admission("reset", email, ip, device, MAX_REQUESTS, WINDOW_SECONDS)
        if wait > 0:
            return wait
        user_id = await db.fetchval(
            "SELECT id FROM app_user WHERE lower(email) = $1 AND is_active", email
        )
        token = new_token(RESET_PREFIX) if user_id else None
        reset_id = await db.fetchval(
            """INSERT INTO password_reset
                   (email, ip, device, user_id, token_hash, token_enc, status, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7,
                       CASE WHEN $4::uuid IS NULL THEN NULL
                            ELSE now() + make_interval(mins => $8) END)
               RETURNING id""",
            email,
            ip,
            device,
            user_id,
            token_hash(token) if token else None,
            box.seal(token) if token else None,
            "queued" if token else "no_account",
            VALID_MINUTES,
        )
        if token:
            await queue.enqueue(SEND_KIND, {"reset_id": str(reset_id)}, max_attempts=5)
    return 0


async def issue_invite_link(user_id: uuid.UUID, email: str, ip: str, box: SecretBox) -> None:
    """Inside the caller's transaction: a one-time link for an invited colleague to set their
    first password (a week), emailed by the same job as resets; older links are superseded."""
    await db.fetch(
        """UPDATE password_reset SET status = 'superseded', token_enc = NULL
           WHERE user_id = $1 AND status IN ('queued', 'sent')""",
        user_id,
    )
    token = new_token(RESET_PREFIX)
    reset_id = await db.fetchval(
        """INSERT INTO password_reset
               (email, ip, user_id, token_hash, token_enc, status, expires_at, purpose)
           VALUES ($1, $2, $3, $4, $5, 'queued', now() + make_interval(days => $6), 'invite')
           RETURNING id""",
        email,
        ip[:200],
        user_id,
        token_hash(token),
        box.seal(token),
        INVITE_DAYS,
    )
    await queue.enqueue(SEND_KIND, {"reset_id": str(reset_id)}, max_attempts=5)


async def valid_reset(token: str) -> Any | None:
    """The request a link belongs to, while it can still be used."""
    if not token.startswith(RESET_PREFIX) or len(token) > 200:
        return None
    return await db.fetchrow(
        """SELECT r.id, r.user_id FROM password_reset r
           JOIN app_user u ON u.id = r.user_id AND u.is_active
           WHERE r.token_hash = $1 AND r.status IN ('queued', 'sent')
             AND r.used_at IS NULL AND r.expires_at > now()""",
        token_hash(token),
    )


async def reset_password(token: str, password: str, confirm: str) -> uuid.UUID:
    """Set the password of the link's account (ending all its sessions) and use up the link and
    any other open link of the account. Raises AccountError with what to do otherwise."""
    if password != confirm:
        raise AccountError("The two passwords are not the same.")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    async with db.transaction():
        row = await db.fetchrow(
            """UPDATE password_reset SET status = 'used', used_at = now(), token_enc = NULL
               WHERE token_hash = $1 AND status IN ('queued', 'sent') AND used_at IS NULL
                 AND expires_at > now()
                 AND user_id IN (SELECT id FROM app_user WHERE is_active)
               RETURNING user_id""",
            token_hash(token) if token.startswith(RESET_PREFIX) else "",
        )
        if row is None:
            raise AccountError("This link has expired or was used already. Ask for a new one.")
        await db.fetch(
            """UPDATE password_reset SET status = 'superseded', token_enc = NULL
               WHERE user_id = $1 AND status IN ('queued', 'sent')""",
            row["user_id"],
        )
        await change_password(row["user_id"], password)
    user_id: uuid.UUID = row["user_id"]
    return user_id


async def _failed(job: Job, error: str, dead: bool) -> None:
    if dead:
        await db.fetch(
            "UPDATE password_reset SET status = 'failed', token_enc = NULL WHERE id = $1",
            uuid.UUID(job.payload["reset_id"]),
        )


@job_kind(SEND_KIND, on_failure=_failed)
async def send_password_reset(job: Job, ctx: Any) -> None:
    reset_id = uuid.UUID(job.payload["reset_id"])
    row = await db.fetchrow(
        """SELECT r.token_enc, r.purpose, u.email, u.name, o.name AS org_name
           FROM password_reset r JOIN app_user u ON u.id = r.user_id
           JOIN organisation o ON o.id = u.organisation_id
           WHERE r.id = $1 AND r.status = 'queued' AND r.token_enc IS NOT NULL
             AND r.expires_at > now()""",
        reset_id,
    )
    if row is None:
        return  # used, superseded or expired meanwhile: nothing to send
    settings = ctx.settings
    if not settings.smtp_url:
        async with queue.fenced(job):
            await db.fetch(
                "UPDATE password_reset SET status = 'not_sent', token_enc = NULL WHERE id = $1",
                reset_id,
            )
        log.warning("password_reset_not_sent", reason="SMTP_URL is not set")
        return
    token = SecretBox(settings.secret_key).open(row["token_enc"])
    link = f"{settings.public_base_url}/login/reset?token={token}"
    if row["purpose"] == "invite":
        subject, text, html = rendering.render(
            "team_invite", {"org_name": row["org_name"], "link": link, "valid_days": INVITE_DAYS}
        )
    else:
        subject, text, html = rendering.render(
            "password_reset",
            {"org_name": "Hirewire", "link": link, "valid_minutes": VALID_MINUTES},
        )
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = row["email"]
    message["Subject"] = subject
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    await smtp_send(message, settings.smtp_url)
    async with queue.fenced(job):
        await db.fetch(
            "UPDATE password_reset SET status = 'sent', token_enc = NULL WHERE id = $1",
            reset_id,
        )

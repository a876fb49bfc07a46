"""The email outbox with a real SMTP server (aiosmtpd): the invite arrives with the right
link in both parts, failures retry then fail, and without SMTP_URL it stays readable."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from app import db
from app.accounts.service import CurrentUser
from app.crypto import SecretBox
from app.emails.service import queue_invitation_email
from app.privacy.erasure import erase_candidate
from app.queue import service as queue
from app.queue.service import Job
from app.queue.worker import Worker
from tests.conftest import TEST_SECRET_KEY, login
from tests.integration.privacy_search import mentions
from tests.integration.recruiting import fetch_one


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


async def _invited(make_account, first_name="Ada"):
    """An invitation with its link issued, as the invite job leaves it (no provider needed)."""
    account = await make_account(org_name="Acme & Sons")
    org = account.organisation_id
    job_id = await db.fetchval(
        "INSERT INTO job (organisation_id, title) VALUES ($1, 'Data <Engineer>') RETURNING id", org
    )
    candidate_id = await db.fetchval(
        """INSERT INTO candidate (organisation_id, email, first_name, last_name)
           VALUES ($1, 'ada@example.com', $2, 'Lovelace') RETURNING id""",
        org,
        first_name,
    )
    application_id = await db.fetchval(
        "INSERT INTO application (organisation_id, job_id, candidate_id) VALUES ($1, $2, $3) RETURNING id",
        org,
        job_id,
        candidate_id,
    )
    assessment_id = await db.fetchval(
        """INSERT INTO assessment (organisation_id, job_id, title, webhook_token, webhook_secret_enc,
               status, provider_flow_id)
           VALUES ($1, $2, 'Screen', 'tok', 'sealed', 'active', 'flow1') RETURNING id""",
        org,
        job_id,
    )
    invitation_id = await db.fetchval(
        """INSERT INTO invitation (organisation_id, assessment_id, application_id, candidate_id,
               job_id, status, provider_interview_id, interview_link, invited_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, 'invited', 'int-1',
                   'https://interview.example/i/int-1?t=abc&x=1', now(), now() + interval '14 days')
           RETURNING id""",
        org,
        assessment_id,
        application_id,
        candidate_id,
        job_id,
    )
    return account, invitation_id


async def _queue_and_hold(invitation_id, max_attempts=6) -> Job:
    """Write the email and take its send job's lease in the same transaction, so that no other
    worker (the session's live server runs one) can take it before this test does."""
    async with db.transaction():
        email_id = await queue_invitation_email("invite", invitation_id)
        await db.fetch(
            "UPDATE queue_job SET max_attempts = $2 WHERE dedupe_key = $1",
            f"send_email:{email_id}",
            max_attempts,
        )
        jobs = await queue.claim(limit=1, kinds=["send_email"], lease_seconds=120)
    assert len(jobs) == 1
    assert jobs[0].payload["email_id"] == str(email_id)
    return jobs[0]


async def test_invite_email_arrives_with_the_link_in_both_parts(
    settings, make_account, smtp_server
):
    controller, inbox = smtp_server
    _account, invitation_id = await _invited(make_account, first_name="<script>alert(1)</script>")
    job = await _queue_and_hold(invitation_id)
    smtp = settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}")
    await Worker(smtp)._run(job)

    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["ada@example.com"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert "Data <Engineer>" in message["Subject"]
    assert "Acme & Sons" in message["Subject"]
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert rich is not None
    text = plain.get_content()
    html = rich.get_content()
    link = "https://interview.example/i/int-1?t=abc&x=1"
    assert link in text
    assert 'href="https://interview.example/i/int-1?t=abc&amp;x=1"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Data &lt;Engineer&gt;" in html

    row = await fetch_one("SELECT status, sent_at, attempts FROM email_message")
    assert row["status"] == "sent"
    assert row["sent_at"] is not None
    assert row["attempts"] == 1
    assert await db.fetchval("SELECT status FROM queue_job WHERE id = $1", job.id) == "done"
    assert await db.fetchval("SELECT count(*) FROM invitation_event WHERE kind = 'email_sent'") == 1
    # The timeline names no address (it is shown to every recruiter and kept after erasure).
    assert (
        await db.fetchval("SELECT message FROM invitation_event WHERE kind = 'email_sent'")
        == "Invite email sent"
    )


class ErasingInbox(Inbox):
    """Runs `during` on the test's event loop while the message is being received: the
    candidate is erased after the sender read the address and before SMTP says 250."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, during: Callable[[], Coroutine[Any, Any, Any]]
    ):
        super().__init__()
        self.loop, self.during = loop, during

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.during(), self.loop))
        return await super().handle_DATA(server, session, envelope)


async def test_an_erasure_during_sending_is_not_undone_by_the_sender(settings, make_account):
    account, invitation_id = await _invited(make_account)
    candidate_id = await db.fetchval("SELECT id FROM candidate")
    admin = CurrentUser(account.user_id, account.organisation_id, "Org", account.email, "", "admin")

    async def erase() -> None:
        await erase_candidate(admin, candidate_id, "ERASE", SecretBox(TEST_SECRET_KEY))

    inbox = ErasingInbox(asyncio.get_running_loop(), erase)
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        job = await _queue_and_hold(invitation_id)
        await Worker(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))._run(job)
    finally:
        controller.stop()

    assert [m.rcpt_tos for m in inbox.messages] == [["ada@example.com"]]  # it did go out
    assert await db.fetchval("SELECT erased_at IS NOT NULL FROM candidate") is True
    assert await mentions("ada@example.com") == {}
    assert await mentions("Lovelace") == {}
    row = await fetch_one("SELECT to_address, status FROM email_message")
    assert row["to_address"] == f"erased-{candidate_id}@erased.invalid"
    assert await db.fetchval("SELECT status FROM queue_job WHERE id = $1", job.id) == "done"


async def test_smtp_down_retries_then_fails(settings, make_account):
    _account, invitation_id = await _invited(make_account)
    job = await _queue_and_hold(invitation_id, max_attempts=2)
    down = settings.with_(smtp_url=f"smtp://127.0.0.1:{_free_port()}")
    await Worker(down)._run(job)
    row = await fetch_one("SELECT status, attempts, last_error FROM email_message")
    assert row["status"] == "queued"
    assert row["attempts"] == 1
    assert "SMTP" in row["last_error"]
    queued = await fetch_one(
        "SELECT status, run_at > now() AS later FROM queue_job WHERE id = $1", job.id
    )
    assert queued["status"] == "queued"
    assert queued["later"]
    # the last attempt: the email is marked failed, the job dead
    await db.fetch(
        "UPDATE queue_job SET run_at = now() - interval '1 second' WHERE id = $1", job.id
    )
    async with db.transaction():
        again = await queue.claim(limit=1, kinds=["send_email"], lease_seconds=120)
    assert again
    assert again[0].id == job.id
    assert again[0].last_attempt
    await Worker(down)._run(again[0])
    row = await fetch_one("SELECT status, attempts FROM email_message")
    assert row["status"] == "failed"
    assert row["attempts"] == 2
    assert await db.fetchval("SELECT status FROM queue_job WHERE id = $1", job.id) == "dead"


class RefusingInbox(Inbox):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return f"550 5.1.1 <{address.upper()}>: mailbox unavailable"


async def test_smtp_errors_do_not_name_the_recipient(settings, make_account):
    _account, invitation_id = await _invited(make_account)
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        job = await _queue_and_hold(invitation_id, max_attempts=1)
        await Worker(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))._run(job)
    finally:
        controller.stop()
    row = await fetch_one("SELECT status, last_error FROM email_message")
    assert row["status"] == "failed"
    assert "mailbox unavailable" in row["last_error"]
    assert "the candidate's address" in row["last_error"]
    dead = await fetch_one("SELECT status, last_error FROM queue_job WHERE id = $1", job.id)
    assert dead["status"] == "dead"
    assert "the candidate's address" in dead["last_error"]
    # Only the outbox row's own address (to_address) still names the person.
    assert await mentions("ada@example.com") == {"candidate": 1, "email_message": 1}
    assert not await db.fetchval(
        "SELECT count(*) FROM email_message WHERE strpos(lower(last_error), 'ada@') > 0"
    )


class RecordingAuthenticator:
    """Accepts any login and keeps what it was sent: whatever arrives here crossed the wire."""

    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        self.logins.append((data.login, data.password))
        return AuthResult(success=True)


@pytest.fixture
def cleartext_smtp_server():
    """A server that offers no STARTTLS and would take AUTH in cleartext."""
    inbox, authenticator = Inbox(), RecordingAuthenticator()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield controller, inbox, authenticator
    controller.stop()


async def test_credentials_are_never_sent_without_tls(
    settings, make_account, cleartext_smtp_server
):
    controller, inbox, authenticator = cleartext_smtp_server
    _account, invitation_id = await _invited(make_account)
    job = await _queue_and_hold(invitation_id, max_attempts=2)
    url = f"smtp://mailer:s3cret-pass@127.0.0.1:{controller.port}"
    for attempt in (1, 2):
        await Worker(settings.with_(smtp_url=url))._run(job)
        assert authenticator.logins == []  # the password never crossed the wire
        assert inbox.messages == []
        if attempt == 1:
            row = await fetch_one("SELECT status, last_error FROM email_message")
            assert row["status"] == "queued"  # retried: STARTTLS may be back next time
            assert "STARTTLS" in row["last_error"] or "TLS" in row["last_error"]
            await db.fetch("UPDATE queue_job SET run_at = now() WHERE id = $1", job.id)
            async with db.transaction():
                (job,) = await queue.claim(limit=1, kinds=["send_email"], lease_seconds=120)
    row = await fetch_one("SELECT status, last_error FROM email_message")
    assert row["status"] == "failed"
    assert "s3cret-pass" not in row["last_error"]
    # Saying so explicitly sends in cleartext (a local relay, a test server).
    job = await _queue_and_hold(invitation_id)
    insecure = f"smtp+insecure://mailer:s3cret-pass@127.0.0.1:{controller.port}"
    await Worker(settings.with_(smtp_url=insecure))._run(job)
    assert authenticator.logins == [(b"mailer", b"s3cret-pass")]
    assert len(inbox.messages) == 1


async def test_without_smtp_the_email_stays_readable(client, settings, make_account):
    account, invitation_id = await _invited(make_account)
    job = await _queue_and_hold(invitation_id)
    await Worker(settings.with_(smtp_url=None))._run(job)
    row = await fetch_one("SELECT id, status, last_error FROM email_message")
    assert row["status"] == "not_sent"
    assert "SMTP_URL" in row["last_error"]

    await login(client, account)
    candidate_id = await db.fetchval("SELECT id FROM candidate")
    page = await client.get(f"/candidates/{candidate_id}")
    assert "Your video interview for Data &lt;Engineer&gt;" in page.text
    assert "https://interview.example/i/int-1?t=abc&amp;x=1" in page.text
    message_page = await client.get(f"/emails/{row['id']}")
    assert message_page.status_code == 200
    assert f'src="/emails/{row["id"]}/html" sandbox' in message_page.text
    html = await client.get(f"/emails/{row['id']}/html")
    assert html.status_code == 200
    csp = html.headers["content-security-policy"]
    assert "sandbox" in csp
    assert "script-src" not in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp
    assert html.headers["x-frame-options"] == "SAMEORIGIN"
    assert "Start your interview" in html.text

"""Password reset with a real SMTP server (aiosmtpd): the link arrives, works once, for an hour,
and ends every session; the answer is the same for an address without an account; requests
slow down like logins, except from a browser that has logged in to the account before."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

from app import db
from app.accounts.service import forget_old_attempts
from app.crypto import token_hash
from tests.conftest import app_client, form_post, login
from tests.integration.test_emails import smtp_server
from tests.webhook_support import drain

__all__ = ["smtp_server"]

SENT = "If an account uses that address, an email with a link to set a new password"


async def ask(client: Any, address: str) -> Any:
    return await form_post(client, "/login/forgot", {"email": address})


def body(message: Any, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())


def link_in(inbox: Any) -> str:
    [envelope] = inbox.messages
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text = body(message, "plain")
    html = body(message, "html")
    found = re.search(r"http://\S+/login/reset\?token=(\S+)", text)
    assert found is not None, text
    assert found.group(0) in html.replace("&amp;", "&")
    return found.group(0)


async def test_the_link_arrives_works_once_and_ends_every_session(
    client, settings, make_account, smtp_server
):
    controller, inbox = smtp_server
    account = await make_account()
    await login(client, account)
    assert (await client.get("/", follow_redirects=False)).status_code == 200
    async with app_client(settings) as stranger:
        answer = await ask(stranger, account.email.upper())
        assert answer.status_code == 200
        assert SENT in answer.text
        await drain(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))
        assert inbox.messages[0].rcpt_tos == [account.email]
        link = link_in(inbox)
        token = link.split("token=")[1]
        row = await db.fetchrow("SELECT status, token_hash, token_enc FROM password_reset")
        assert row is not None
        assert dict(row) == {"status": "sent", "token_hash": token_hash(token), "token_enc": None}

        form = await stranger.get(link.removeprefix("http://127.0.0.1:8000"))
        assert form.status_code == 200
        assert "Set a new password" in form.text
        new = {"token": token, "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"}
        done = await form_post(stranger, "/login/reset", new, follow_redirects=False)
        assert (done.status_code, done.headers["location"]) == (302, "/login?notice=password_reset")
        notice = await stranger.get("/login?notice=password_reset")
        assert "Your new password is set" in notice.text

        again = await form_post(stranger, "/login/reset", new)
        assert again.status_code == 400
        assert "expired or was used already" in again.text
    # the session opened before the reset has ended; the new password works, the old does not
    assert (await client.get("/", follow_redirects=False)).status_code in (302, 303)
    old = await form_post(client, "/login", {"email": account.email, "password": account.password})
    assert old.status_code == 401
    account.password = "a-brand-new-pass"
    await login(client, account)
    assert (
        await db.fetchval("SELECT count(*) FROM audit_event WHERE action = 'password_reset'") == 1
    )


async def test_an_address_without_an_account_gets_the_same_answer_and_no_email(
    client, settings, make_account, smtp_server
):
    controller, inbox = smtp_server
    account = await make_account()
    known = await ask(client, account.email)
    unknown = await ask(client, "nobody-here@example.com")
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert SENT in known.text
    assert known.text == unknown.text
    await drain(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))
    assert [m.rcpt_tos for m in inbox.messages] == [[account.email]]
    statuses = await db.fetch("SELECT email, status, token_hash FROM password_reset ORDER BY email")
    assert [tuple(r) for r in statuses][1] == ("nobody-here@example.com", "no_account", None)


async def test_requests_slow_down_except_from_a_browser_that_logged_in_before(
    client, settings, make_account
):
    account = await make_account()
    await login(client, account)
    await form_post(client, "/logout", {})
    async with app_client(settings) as stranger:
        assert [(await ask(stranger, account.email)).status_code for _ in range(3)] == [200] * 3
        from_here = await ask(stranger, "nobody-here@example.com")
        assert from_here.status_code == 429  # this address asked too often, for any email
        await db.fetch(
            "UPDATE password_reset SET ip = '203.0.113.9', requested_at = now()"
        )  # as if from elsewhere
        slowed = await ask(stranger, account.email)
        assert slowed.status_code == 429  # and this email was asked for too often
        assert slowed.headers["retry-after"] == "2"
        assert "Too many requests" in slowed.text
        assert (await ask(stranger, "nobody-here@example.com")).status_code == 200
    mine = await ask(client, account.email)
    assert mine.status_code == 200
    assert SENT in mine.text


async def test_an_expired_link_or_a_mistyped_password_is_refused_clearly(
    client, settings, make_account, smtp_server
):
    controller, inbox = smtp_server
    account = await make_account()
    await ask(client, account.email)
    await drain(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))
    token = link_in(inbox).split("token=")[1]

    mismatch = {"token": token, "password": "a-brand-new-pass", "confirm": "another-pass-1"}
    answer = await form_post(client, "/login/reset", mismatch)
    assert answer.status_code == 400
    assert "The two passwords are not the same." in answer.text
    short = {"token": token, "password": "short", "confirm": "short"}
    assert "at least 10 characters" in (await form_post(client, "/login/reset", short)).text
    assert (await client.get(f"/login/reset?token={token}")).status_code == 200  # still good

    await db.fetch("UPDATE password_reset SET expires_at = now() - interval '1 second'")
    expired = await client.get(f"/login/reset?token={token}")
    assert expired.status_code == 400
    assert "Ask for a new link" in expired.text
    good = {"token": token, "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"}
    assert (await form_post(client, "/login/reset", good)).status_code == 400
    assert (await client.get("/login/reset?token=hwr_made-up")).status_code == 400
    assert (await client.get("/login/reset?token=" + "x" * 5000)).status_code == 400


async def test_a_new_password_uses_up_every_open_link(client, settings, make_account, smtp_server):
    controller, inbox = smtp_server
    account = await make_account()
    await ask(client, account.email)
    await ask(client, account.email)
    await drain(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))
    tokens = []
    for envelope in inbox.messages:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = body(message, "plain")
        tokens.append(re.search(r"token=(\S+)", text).group(1))  # type: ignore[union-attr]
    assert len(set(tokens)) == 2
    new = {"token": tokens[1], "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"}
    assert (await form_post(client, "/login/reset", new, follow_redirects=False)).status_code == 302
    older = {**new, "token": tokens[0]}
    assert (await form_post(client, "/login/reset", older)).status_code == 400


async def test_without_smtp_the_link_is_not_kept(client, settings, make_account):
    account = await make_account()
    await ask(client, account.email)
    await drain(settings.with_(smtp_url=None))
    row = await db.fetchrow("SELECT status, token_enc FROM password_reset")
    assert row is not None
    assert dict(row) == {"status": "not_sent", "token_enc": None}


async def test_old_attempts_and_requests_are_forgotten_after_a_week(client, make_account):
    account = await make_account()
    await ask(client, account.email)
    await form_post(client, "/login", {"email": account.email, "password": "nope-nope-nope"})
    assert await forget_old_attempts() == 0
    await db.fetch("UPDATE password_reset SET requested_at = now() - interval '8 days'")
    await db.fetch("UPDATE login_attempt SET at = now() - interval '8 days'")
    assert await forget_old_attempts() == 2
    assert await db.fetchval("SELECT count(*) FROM password_reset") == 0
    assert await db.fetchval("SELECT count(*) FROM login_attempt") == 0


async def test_an_empty_or_malformed_address_is_a_clear_400(client):
    for address in ("", "not-an-address", "x" * 300):
        answer = await ask(client, address)
        assert answer.status_code == 400
        assert "Enter the email address you log in with." in answer.text

"""Accounts against a real PostgreSQL: login, rate limiting, CSRF, sessions, API tokens."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt

import pytest

from app import db
from app.accounts import service
from tests.conftest import csrf_token, form_post, login


async def test_login_success_sets_httponly_session_and_reaches_dashboard(client, make_account):
    account = await make_account(org_name="Northwind")
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "email": account.email,
            "password": account.password,
            "_csrf_token": token,
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 302
    cookie = response.headers["set-cookie"]
    assert "hw_session=hws_" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    home = await client.get("/")
    assert home.status_code == 200
    assert "Northwind" in home.text
    assert await db.fetchval("SELECT count(*) FROM audit_event WHERE action = 'login'") == 1


async def test_login_failure_shows_message_and_sets_no_session(client, make_account):
    account = await make_account()
    response = await form_post(
        client, "/login", {"email": account.email, "password": "wrong-password-1"}
    )
    assert response.status_code == 401
    assert "do not match" in response.text
    assert "hw_session" not in client.cookies
    assert (await client.get("/", follow_redirects=False)).status_code == 302


async def test_unknown_email_fails_like_a_wrong_password(client):
    response = await form_post(
        client, "/login", {"email": "nobody@example.com", "password": "x" * 12}
    )
    assert response.status_code == 401


async def test_open_redirect_is_refused(client, make_account):
    account = await make_account()
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "email": account.email,
            "password": account.password,
            "_csrf_token": token,
            "next": "//evil.example.com/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


async def test_ten_failures_for_an_account_give_429(client, make_account):
    account = await make_account()
    for _ in range(10):
        response = await form_post(
            client, "/login", {"email": account.email, "password": "nope-nope-nope"}
        )
        assert response.status_code == 401
    blocked = await form_post(
        client, "/login", {"email": account.email, "password": account.password}
    )
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.text
    assert "hw_session" not in client.cookies


async def test_ten_failures_from_one_address_block_other_accounts_too(client, make_account):
    victim = await make_account()
    for i in range(10):
        await form_post(
            client, "/login", {"email": f"guess{i}@example.com", "password": "nope-nope-nope"}
        )
    blocked = await form_post(
        client, "/login", {"email": victim.email, "password": victim.password}
    )
    assert blocked.status_code == 429


async def test_failures_older_than_the_window_do_not_count(client, make_account):
    account = await make_account()
    for _ in range(10):
        await form_post(client, "/login", {"email": account.email, "password": "nope-nope-nope"})
    await db.fetch("UPDATE login_attempt SET at = at - interval '16 minutes'")
    await login(client, account)
    assert (await client.get("/")).status_code == 200


async def test_post_without_csrf_token_is_rejected(client, make_account):
    account = await make_account()
    response = await client.post(
        "/login", data={"email": account.email, "password": account.password}
    )
    assert response.status_code == 403
    assert "hw_session" not in client.cookies


async def test_logout_revokes_the_session(client, make_account):
    account = await make_account()
    await login(client, account)
    session_cookie = client.cookies["hw_session"]
    response = await form_post(client, "/logout", {}, follow_redirects=False)
    assert response.status_code == 302
    client.cookies.set("hw_session", session_cookie)  # replaying the old cookie must not work
    assert (await client.get("/", follow_redirects=False)).status_code == 302
    assert await db.fetchval("SELECT count(*) FROM user_session WHERE revoked_at IS NOT NULL") == 1


async def test_expired_session_is_refused(client, make_account):
    account = await make_account()
    await login(client, account)
    await db.fetch("UPDATE user_session SET expires_at = now() - interval '1 second'")
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login")


async def test_password_change_ends_existing_sessions(client, make_account):
    account = await make_account()
    await login(client, account)
    await service.change_password(account.user_id, "a-brand-new-password")
    assert (await client.get("/", follow_redirects=False)).status_code == 302


async def test_api_token_is_stored_hashed_and_authenticates(client, make_account):
    account = await make_account()
    token = await service.create_api_token(account.email)
    stored = await db.fetchval("SELECT token_hash FROM api_token")
    assert token not in stored
    user = await service.token_user(token)
    assert user is not None
    assert user.id == account.user_id
    assert await service.token_user(token + "x") is None


async def test_sessions_are_stored_hashed(client, make_account):
    account = await make_account()
    await login(client, account)
    stored = await db.fetchval("SELECT token_hash FROM user_session")
    assert client.cookies["hw_session"] not in stored
    assert stored != client.cookies["hw_session"]


async def test_duplicate_user_email_is_refused(make_account):
    account = await make_account()
    with pytest.raises(service.AccountError, match="already exists"):
        await service.create_user(
            account.organisation_id, account.email.upper(), "long-enough-pw", "admin"
        )


async def test_login_attempts_are_timestamped_now(client, make_account):
    account = await make_account()
    await form_post(client, "/login", {"email": account.email, "password": "nope-nope-nope"})
    at = await db.fetchval("SELECT at FROM login_attempt")
    assert abs((dt.datetime.now(dt.UTC) - at).total_seconds()) < 60


async def test_a_login_checked_against_the_old_password_gets_no_session(
    client, make_account, monkeypatch
):
    """The password changes while a login's (slow) check of the old one is in flight: the
    login must not end with a session that outlives the change."""
    account = await make_account()
    real_check = service.check_password

    async def check_then_change(stored, password):
        ok = await real_check(stored, password)
        await service.change_password(account.user_id, "changed-in-the-meantime")
        return ok

    monkeypatch.setattr(service, "check_password", check_then_change)
    token = await csrf_token(client)
    await client.post(
        "/login",
        data={"email": account.email, "password": account.password, "_csrf_token": token},
        follow_redirects=False,
    )
    monkeypatch.setattr(service, "check_password", real_check)
    assert await db.fetchval("SELECT count(*) FROM user_session WHERE revoked_at IS NULL") == 0
    assert (await client.get("/", follow_redirects=False)).status_code == 302


async def test_a_password_change_ends_every_other_browser_and_keeps_api_tokens(
    client, settings, make_account
):
    from tests.conftest import app_client

    account = await make_account()
    api_token = await service.create_api_token(account.email)
    async with app_client(settings) as other:
        await login(other, account)
        assert (await other.get("/", follow_redirects=False)).status_code == 200
        await login(client, account)
        done = await form_post(
            client,
            "/account/password",
            {
                "current": account.password,
                "password": "a-new-password",
                "confirm": "a-new-password",
            },
            follow_redirects=False,
        )
        assert done.status_code == 302
        assert (await other.get("/", follow_redirects=False)).status_code == 302
        assert (await client.get("/", follow_redirects=False)).status_code == 200
    live = await db.fetchval(
        """SELECT count(*) FROM user_session s JOIN app_user u ON u.id = s.user_id
           WHERE s.revoked_at IS NULL AND s.created_at >= u.password_changed_at"""
    )
    assert live == 1  # the browser that changed it
    headers = {"Authorization": f"Bearer {api_token}"}
    assert (await client.get("/api/v1/jobs", headers=headers)).status_code == 200


async def test_a_session_asked_for_while_a_change_commits_waits_and_is_refused(make_account):
    account = await make_account()
    seen = await db.fetchval(
        "SELECT password_changed_at FROM app_user WHERE id = $1", account.user_id
    )
    async with db.transaction():
        await db.fetch(
            "UPDATE app_user SET password_changed_at = now() WHERE id = $1", account.user_id
        )
        # outside the transaction's context: its own connection, as another request's
        asking = asyncio.create_task(
            service.start_session(account.user_id, "", "", 3600, password_seen=seen),
            context=contextvars.Context(),
        )
        await asyncio.sleep(0.3)
        assert not asking.done()  # held by the row lock until the change commits
    with pytest.raises(service.PasswordChanged):
        await asking
    assert await db.fetchval("SELECT count(*) FROM user_session") == 0


async def test_a_password_change_keeps_this_browser_when_the_app_clock_runs_ahead(
    client, make_account, monkeypatch
):
    """The app's host and the database's may disagree on the time: what a change ends is
    decided on the database's clock alone."""
    account = await make_account()
    await login(client, account)

    class Ahead(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Ahead:
            return cls.fromtimestamp(dt.datetime.now(tz).timestamp() + 300, tz)

    monkeypatch.setattr(service, "dt", type("dt", (), {**vars(dt), "datetime": Ahead}))
    done = await form_post(
        client,
        "/account/password",
        {"current": account.password, "password": "a-new-password", "confirm": "a-new-password"},
        follow_redirects=False,
    )
    assert done.status_code == 302
    assert (await client.get("/", follow_redirects=False)).status_code == 200

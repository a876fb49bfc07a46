"""The team, against a real PostgreSQL and a real SMTP server (aiosmtpd): admins invite
colleagues (a link to set their first password), change roles, deactivate and reactivate;
everyone changes their own password, ending their other sessions."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

from app import db
from app.accounts.service import create_api_token, session_user, start_session
from tests.conftest import app_client, form_post, login
from tests.integration.test_emails import smtp_server
from tests.webhook_support import drain

__all__ = ["smtp_server"]


async def invite(client: Any, address: str, role: str = "recruiter", name: str = "Grace") -> Any:
    return await form_post(
        client,
        "/team/invite",
        {"email": address, "name": name, "role": role},
        follow_redirects=False,
    )


def link_of(envelope: Any) -> str:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"/login/reset\?token=\S+", str(part.get_content()))
    assert found is not None
    assert "You are invited to" in str(message["Subject"])
    return found.group(0)


async def test_an_invited_colleague_sets_a_password_and_logs_in(
    client, settings, make_account, smtp_server
):
    controller, inbox = smtp_server
    admin = await make_account(org_name="Acme")
    await login(client, admin)
    sent = await invite(client, "Grace@Example.com", role="admin")
    assert (sent.status_code, sent.headers["location"]) == (302, "/team?done=invited")
    page = await client.get("/team")
    assert "grace@example.com" in page.text
    assert "Invited" in page.text
    await drain(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["grace@example.com"]
    link = link_of(envelope)

    async with app_client(settings) as grace:
        # before setting a password nothing logs in, not even the dummy hash's password
        for guess in ("", "not-a-real-password", "x" * 12):
            refused = await form_post(
                grace, "/login", {"email": "grace@example.com", "password": guess}
            )
            assert refused.status_code == 401
        assert (await grace.get(link)).status_code == 200
        token = link.split("token=")[1]
        chosen = {"token": token, "password": "graces-password", "confirm": "graces-password"}
        done = await form_post(grace, "/login/reset", chosen, follow_redirects=False)
        assert done.status_code == 302
        signed_in = await form_post(
            grace,
            "/login",
            {"email": "grace@example.com", "password": "graces-password"},
            follow_redirects=False,
        )
        assert signed_in.status_code == 302
        assert (await grace.get("/team")).status_code == 200  # invited as an admin
    page = await client.get("/team")
    assert "Invited" not in page.text
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_event")}
    assert {"member_invited", "password_reset"} <= actions


async def test_bad_invitations_are_refused_clearly(client, make_account):
    admin = await make_account(org_name="Acme")
    other = await make_account(org_name="Other")
    await login(client, admin)
    for address, role, message in [
        ("not-an-address", "recruiter", "email"),
        ("new@example.com", "owner", "Role must be one of"),
        (admin.email, "recruiter", "already has a Hirewire account"),
        (other.email, "recruiter", "already has a Hirewire account"),  # same words: no leak
    ]:
        answer = await invite(client, address, role)
        assert answer.status_code == 400, address
        assert message in answer.text, address
    assert await db.fetchval("SELECT count(*) FROM app_user") == 2


async def test_roles_change_but_an_organisation_keeps_an_admin(client, make_account):
    admin = await make_account(org_name="Acme")
    await login(client, admin)
    alone = await form_post(client, f"/team/{admin.user_id}/role", {"role": "recruiter"})
    assert alone.status_code == 400
    assert "needs another active admin" in alone.text
    colleague = await make_account(org_name="Acme-2", role="recruiter")
    await db.fetch(
        "UPDATE app_user SET organisation_id = $1 WHERE id = $2",
        admin.organisation_id,
        colleague.user_id,
    )
    promoted = await form_post(
        client, f"/team/{colleague.user_id}/role", {"role": "admin"}, follow_redirects=False
    )
    assert promoted.status_code == 302
    assert (
        await db.fetchval("SELECT role FROM app_user WHERE id = $1", colleague.user_id) == "admin"
    )
    bad = await form_post(client, f"/team/{colleague.user_id}/role", {"role": "boss"})
    assert bad.status_code == 400


async def test_deactivating_ends_everything_and_reactivating_revives_nothing(
    client, settings, make_account
):
    admin = await make_account(org_name="Acme")
    colleague = await make_account(org_name="Elsewhere", role="recruiter")
    await db.fetch(
        "UPDATE app_user SET organisation_id = $1 WHERE id = $2",
        admin.organisation_id,
        colleague.user_id,
    )
    session = await start_session(colleague.user_id, "127.0.0.1", "test", 3600)
    token = await create_api_token(colleague.email, "sync")
    await login(client, admin)
    myself = await form_post(client, f"/team/{admin.user_id}/deactivate", {})
    assert myself.status_code == 400
    assert "cannot deactivate yourself" in myself.text

    gone = await form_post(
        client, f"/team/{colleague.user_id}/deactivate", {}, follow_redirects=False
    )
    assert gone.status_code == 302
    assert await session_user(session) is None
    assert (
        await client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    assert "Deactivated" in (await client.get("/team")).text

    back = await form_post(
        client, f"/team/{colleague.user_id}/reactivate", {}, follow_redirects=False
    )
    assert back.status_code == 302
    assert await session_user(session) is None  # old sessions and tokens stay revoked
    assert (
        await client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    async with app_client(settings) as returning:
        await login(returning, colleague)  # but they can log in again


async def test_recruiters_cannot_manage_the_team(client, make_account):
    recruiter = await make_account(org_name="Acme", role="recruiter")
    await login(client, recruiter)
    assert (await client.get("/team")).status_code == 403
    assert (await invite(client, "x@example.com")).status_code == 403
    assert await db.fetchval("SELECT count(*) FROM app_user") == 1


async def test_changing_your_password_ends_your_other_sessions_only(client, settings, make_account):
    account = await make_account()
    await login(client, account)
    elsewhere = await start_session(account.user_id, "10.0.0.9", "laptop", 3600)
    wrong = await form_post(
        client,
        "/account/password",
        {"current": "not-it-at-all", "password": "new-password-1", "confirm": "new-password-1"},
    )
    assert wrong.status_code == 400
    assert "current password is not right" in wrong.text
    mismatch = await form_post(
        client,
        "/account/password",
        {"current": account.password, "password": "new-password-1", "confirm": "new-password-2"},
    )
    assert "not the same" in mismatch.text
    short = await form_post(
        client,
        "/account/password",
        {"current": account.password, "password": "short", "confirm": "short"},
    )
    assert "at least 10 characters" in short.text
    assert await session_user(elsewhere) is not None  # nothing changed yet

    done = await form_post(
        client,
        "/account/password",
        {"current": account.password, "password": "new-password-1", "confirm": "new-password-1"},
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (302, "/account/password?done=1")
    assert await session_user(elsewhere) is None
    page = await client.get("/account/password?done=1")  # this browser is still logged in
    assert page.status_code == 200
    assert "Every other browser logged in to your account is logged out" in page.text
    async with app_client(settings) as fresh:
        account.password = "new-password-1"
        await login(fresh, account)

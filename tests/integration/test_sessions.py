"""Session rules not covered in test_accounts.py: a fresh token at every login (no fixation),
deactivated users lose their sessions, session cookies and API tokens are not interchangeable,
logging out ends only that session, and forged cookies are refused without an error."""

from __future__ import annotations

from app import db
from app.accounts import service
from tests.conftest import csrf_token, form_post, login


async def test_login_issues_a_fresh_token_whatever_cookie_was_sent(client, make_account):
    account = await make_account()
    csrf = await csrf_token(client)
    planted = await service.start_session(account.user_id, "1.2.3.4", "attacker", 3600)
    await service.end_session(planted)
    client.cookies.clear()
    response = await client.post(
        "/login",
        data={"email": account.email, "password": account.password, "_csrf_token": csrf},
        headers={"cookie": f"csrftoken={csrf}; hw_session={planted}"},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    fresh = response.cookies["hw_session"]
    assert fresh != planted
    assert await service.session_user(planted) is None
    assert await service.session_user(fresh) is not None


async def test_deactivated_user_loses_every_session_and_token(client, make_account):
    account = await make_account()
    await login(client, account)
    token = await service.create_api_token(account.email)
    await db.fetch("UPDATE app_user SET is_active = false WHERE id = $1", account.user_id)
    assert (await client.get("/", follow_redirects=False)).status_code == 302
    api = await client.get("/api/v1/jobs", headers={"authorization": f"Bearer {token}"})
    assert api.status_code == 401


async def test_session_cookies_and_api_tokens_are_not_interchangeable(client, make_account):
    account = await make_account()
    await login(client, account)
    session = client.cookies["hw_session"]
    token = await service.create_api_token(account.email)
    as_bearer = await client.get("/api/v1/jobs", headers={"authorization": f"Bearer {session}"})
    assert as_bearer.status_code == 401
    client.cookies.clear()
    client.cookies.set("hw_session", token)
    assert (await client.get("/", follow_redirects=False)).status_code == 302
    # the API does not take a session cookie instead of a token either
    client.cookies.set("hw_session", session)
    assert (await client.get("/api/v1/jobs")).status_code == 401


async def test_logout_ends_only_that_session(client, make_account):
    account = await make_account()
    other = await service.start_session(account.user_id, "10.0.0.1", "phone", 3600)
    await login(client, account)
    response = await form_post(client, "/logout", {}, follow_redirects=False)
    assert response.status_code == 302
    assert "hw_session" not in client.cookies or not client.cookies["hw_session"]
    assert await service.session_user(other) is not None


async def test_forged_and_garbage_cookies_are_refused_without_error(client, make_account):
    await make_account()
    client.cookies.clear()
    for value in [b"hws_" + b"A" * 43, b"hws_", b"hws_\x7f", b"x" * 4000, "hws_é".encode()]:
        cookie = b"hw_session=" + value
        response = await client.get("/jobs", headers={"cookie": cookie}, follow_redirects=False)
        assert response.status_code == 302, (value[:10], response.status_code)
        assert response.headers["location"].startswith("/login")


async def test_login_rotates_the_csrf_token_and_binds_it_to_the_session(client, make_account):
    account = await make_account()
    before = await csrf_token(client)  # e.g. one an attacker obtained and planted
    await login(client, account)
    after = client.cookies["csrftoken"]
    assert after != before
    ok = await client.post("/logout", data={"_csrf_token": after}, follow_redirects=False)
    assert ok.status_code in (302, 303)

    await login(client, account)
    bound = client.cookies["csrftoken"]
    client.cookies.set("csrftoken", before)  # a valid Litestar token, but not this session's
    refused = await client.post("/logout", data={"_csrf_token": before}, follow_redirects=False)
    assert refused.status_code == 403
    assert "from before your last login" in refused.text
    client.cookies.set("csrftoken", bound)
    assert (await client.get("/", follow_redirects=False)).status_code == 200  # still logged in

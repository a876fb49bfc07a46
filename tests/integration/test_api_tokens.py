"""API tokens on a real PostgreSQL: named, expiring, listed without the secret, revoked on the
page, through the API and the CLI; deactivating a user revokes their sessions and tokens."""

from __future__ import annotations

import re
from typing import Any

from app import db
from app.accounts.service import create_api_token, session_user, start_session
from tests.conftest import form_post, login
from tests.integration.test_operations import hirewire


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def works(client: Any, token: str) -> bool:
    response = await client.get("/api/v1/tokens", headers=bearer(token))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def test_make_list_and_revoke_a_token_on_the_page(client, make_account):
    account = await make_account()
    await login(client, account)
    made = await form_post(client, "/account/tokens", {"name": "ATS sync", "expires_in_days": "30"})
    assert made.status_code == 201
    token = re.search(r'value="(hwt_[^"]+)"', made.text).group(1)  # type: ignore[union-attr]
    assert "shown only this once" in made.text
    assert await works(client, token)

    page = await client.get("/account/tokens")
    assert token not in page.text  # listed by prefix only
    assert token[:10] in page.text
    assert "ATS sync" in page.text
    token_id = await db.fetchval("SELECT id FROM api_token WHERE name = 'ATS sync'")
    expires = await db.fetchval("SELECT expires_at - created_at FROM api_token")
    assert expires.days == 30

    revoked = await form_post(
        client, f"/account/tokens/{token_id}/revoke", {}, follow_redirects=False
    )
    assert revoked.status_code in (302, 303)
    assert not await works(client, token)
    assert "Revoked" in (await client.get("/account/tokens")).text
    actions = await db.fetch("SELECT action FROM audit_event WHERE action LIKE 'api_token%'")
    assert sorted(r["action"] for r in actions) == ["api_token_created", "api_token_revoked"]


async def test_bad_token_forms_get_a_clear_400(client, make_account):
    account = await make_account()
    await login(client, account)
    nameless = await form_post(client, "/account/tokens", {"name": " ", "expires_in_days": "30"})
    assert nameless.status_code == 400
    assert "Name the token" in nameless.text
    for days in ("3", "²", "-7", "99999999999999999999"):
        odd = await form_post(client, "/account/tokens", {"name": "x", "expires_in_days": days})
        assert odd.status_code == 400, days
        assert "expires after 7, 30, 90, 365 days, or never" in odd.text
    assert await db.fetchval("SELECT count(*) FROM api_token") == 0


async def test_an_expired_token_stops_working(client, make_account):
    account = await make_account()
    token = await create_api_token(account.email, "short", expires_in_days=7)
    assert await works(client, token)
    await db.fetch("UPDATE api_token SET expires_at = now() - interval '1 second'")
    assert not await works(client, token)
    await login(client, account)
    assert "Expired" in (await client.get("/account/tokens")).text


async def test_the_api_lists_makes_and_revokes_tokens(client, make_account):
    account = await make_account()
    other = await make_account(org_name="Other")
    token = await create_api_token(account.email, "main")
    made = await client.post(
        "/api/v1/tokens", json={"name": "CI", "expires_in_days": 90}, headers=bearer(token)
    )
    assert made.status_code == 201
    new = made.json()
    assert new["token"].startswith("hwt_")
    assert (new["name"], new["state"]) == ("CI", "active")
    listed = (await client.get("/api/v1/tokens", headers=bearer(new["token"]))).json()
    assert {t["name"] for t in listed["tokens"]} == {"main", "CI"}
    assert all("token" not in t for t in listed["tokens"])

    for bad in ({"name": "x", "expires_in_days": 3}, {"name": ""}, {"expires_in_days": 7}):
        answer = await client.post("/api/v1/tokens", json=bad, headers=bearer(token))
        assert answer.status_code == 400, bad

    theirs = await create_api_token(other.email, "theirs")
    their_id = await db.fetchval("SELECT id FROM api_token WHERE name = 'theirs'")
    assert (
        await client.delete(f"/api/v1/tokens/{their_id}", headers=bearer(token))
    ).status_code == 404
    assert await works(client, theirs)

    gone = await client.delete(f"/api/v1/tokens/{new['id']}", headers=bearer(token))
    assert (gone.status_code, gone.json()["state"]) == (200, "revoked")
    assert not await works(client, new["token"])
    assert await works(client, token)


async def test_at_most_twenty_active_tokens_each(client, make_account):
    account = await make_account()
    token = await create_api_token(account.email, "main")
    for i in range(19):
        made = await client.post("/api/v1/tokens", json={"name": f"t{i}"}, headers=bearer(token))
        assert made.status_code == 201
    over = await client.post("/api/v1/tokens", json={"name": "one more"}, headers=bearer(token))
    assert over.status_code == 400
    assert "20 active tokens already" in over.text


async def test_the_cli_lists_revokes_and_deactivates(test_database, client, make_account):
    account = await make_account()
    made = hirewire(
        "create-api-token",
        "--email",
        account.email,
        "--name",
        "ops",
        "--expires-days",
        "7",
        dsn=test_database.dsn,
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert await works(client, token)
    listed = hirewire("list-api-tokens", "--email", account.email, dsn=test_database.dsn)
    assert token not in listed.stdout
    token_id = listed.stdout.split()[0]
    assert "active" in listed.stdout
    assert "ops" in listed.stdout
    revoked = hirewire(
        "revoke-api-token", "--email", account.email, "--id", token_id, dsn=test_database.dsn
    )
    assert revoked.returncode == 0, revoked.stderr
    assert not await works(client, token)
    wrong = hirewire(
        "revoke-api-token", "--email", account.email, "--id", "nope", dsn=test_database.dsn
    )
    assert wrong.returncode != 0
    assert "must be a token id" in wrong.stderr

    second = await create_api_token(account.email, "second")
    session = await start_session(account.user_id, "127.0.0.1", "test", 3600)
    gone = hirewire("deactivate-user", "--email", account.email, dsn=test_database.dsn)
    assert gone.returncode == 0, gone.stderr
    assert "2 sessions and tokens revoked" in gone.stdout
    await db.fetch("UPDATE app_user SET is_active = true WHERE id = $1", account.user_id)
    assert not await works(client, second)  # reactivating revives none of them
    assert await session_user(session) is None

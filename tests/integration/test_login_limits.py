"""The login limit against a real PostgreSQL: guessing is slowed, a browser that has logged in
before is never locked out by guesses made elsewhere, the answer does not tell whether an email
has an account, and concurrent guesses cannot get more password checks than the limit."""

from __future__ import annotations

import asyncio
from typing import Any

from app import db
from app.accounts.devices import DEVICE_COOKIE
from tests.conftest import app_client, csrf_token, form_post, login

WRONG = "nope-nope-nope"


async def fail(client: Any, email: str, times: int = 1) -> list[int]:
    codes = []
    for _ in range(times):
        response = await form_post(client, "/login", {"email": email, "password": WRONG})
        codes.append(response.status_code)
    return codes


async def sign_in(client: Any, account: Any) -> Any:
    return await form_post(
        client,
        "/login",
        {"email": account.email, "password": account.password},
        follow_redirects=False,
    )


async def spread_over_addresses() -> None:
    """As if the failures so far came from many addresses (a botnet, or a company's NAT), the
    last of them just now (so waits do not depend on how fast the test runs)."""
    await db.fetch("UPDATE login_attempt SET ip = '203.0.113.' || (id % 250), at = now()")


async def test_a_browser_that_logged_in_before_is_not_locked_out_by_guesses_elsewhere(
    client, settings, make_account
):
    account = await make_account()
    await login(client, account)
    assert DEVICE_COOKIE in client.cookies
    await form_post(client, "/logout", {})
    async with app_client(settings) as attacker:
        codes = await fail(attacker, account.email, 25)
        assert codes[:10] == [401] * 10
        assert set(codes[10:]) == {429}
        # the attacker's own browser is held back, whatever it sends
        assert (await sign_in(attacker, account)).status_code == 429
    response = await sign_in(client, account)
    assert response.status_code == 302
    assert "hw_session" in response.cookies


async def test_guesses_from_browsers_never_used_are_slowed_down_not_locked_out(
    client, make_account
):
    account = await make_account()
    assert await fail(client, account.email, 10) == [401] * 10
    await spread_over_addresses()
    blocked = await sign_in(client, account)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "2"
    assert "Try again in 2 seconds" in blocked.text
    assert "hw_session" not in blocked.cookies
    assert await db.fetchval("SELECT count(*) FROM login_attempt") == 10  # not even recorded
    await db.fetch("UPDATE login_attempt SET at = at - interval '3 seconds'")
    assert await fail(client, account.email) == [401]  # the 11th guess, after the wait
    await spread_over_addresses()
    slower = await sign_in(client, account)
    assert slower.headers["retry-after"] == "4"  # each failure over the limit doubles the wait
    await db.fetch("UPDATE login_attempt SET at = at - interval '5 seconds'")
    assert (await sign_in(client, account)).status_code == 302  # the owner gets in


async def test_the_wait_is_capped_at_a_minute(client, make_account):
    account = await make_account()
    await fail(client, account.email, 10)
    await db.fetch(
        """INSERT INTO login_attempt (email, ip, succeeded, at)
           SELECT $1, '198.51.100.' || n, false, now() - interval '1 second'
           FROM generate_series(1, 30) AS n""",
        account.email,
    )
    await spread_over_addresses()
    assert 50 <= int((await sign_in(client, account)).headers["retry-after"]) <= 60


async def test_the_answer_does_not_tell_whether_the_email_has_an_account(client, make_account):
    account = await make_account()
    nobody = "nobody-here@example.com"
    assert await fail(client, account.email, 10) == [401] * 10
    await spread_over_addresses()
    assert await fail(client, nobody, 10) == [401] * 10
    await spread_over_addresses()
    known = await form_post(client, "/login", {"email": account.email, "password": WRONG})
    unknown = await form_post(client, "/login", {"email": nobody, "password": WRONG})
    assert known.status_code == unknown.status_code == 429
    assert known.headers["retry-after"] == unknown.headers["retry-after"]
    assert known.text.replace(account.email, "") == unknown.text.replace(nobody, "")


async def test_ten_failures_from_one_address_slow_down_that_address(client, make_account):
    victim = await make_account()
    for i in range(10):
        await fail(client, f"guess{i}@example.com")
    assert (await sign_in(client, victim)).status_code == 429


async def test_a_browser_that_fails_too_often_itself_counts_as_unknown_again(client, make_account):
    account = await make_account()
    await login(client, account)
    await form_post(client, "/logout", {})
    assert await fail(client, account.email, 10) == [401] * 10
    devices = await db.fetch("SELECT DISTINCT device FROM login_attempt WHERE NOT succeeded")
    assert len(devices) == 1
    assert devices[0]["device"] is not None
    assert await fail(client, account.email) == [401]
    last = await db.fetchval("SELECT device FROM login_attempt ORDER BY id DESC LIMIT 1")
    assert last is None  # now counted against the email and the address


async def test_an_altered_device_cookie_is_not_trusted(client, settings, make_account):
    account = await make_account()
    await login(client, account)
    await form_post(client, "/logout", {})
    genuine = client.cookies[DEVICE_COOKIE]
    tag, nonce, signature = genuine.split(".")
    async with app_client(settings) as attacker:
        await fail(attacker, account.email, 10)
        await spread_over_addresses()
        forged = f"{tag}.{nonce}x.{signature}"
        attacker.cookies.set(DEVICE_COOKIE, forged, domain="127.0.0.1", path="/login")
        assert (await sign_in(attacker, account)).status_code == 429


async def test_concurrent_guesses_get_no_more_checks_than_the_limit(client, make_account):
    account = await make_account()
    token = await csrf_token(client)

    async def guess(password: str) -> int:
        response = await client.post(
            "/login",
            data={"email": account.email, "password": password, "_csrf_token": token},
            follow_redirects=False,
        )
        return response.status_code

    codes = await asyncio.gather(*(guess(WRONG) for _ in range(40)))
    assert sorted(codes) == [401] * 10 + [429] * 30
    assert await db.fetchval("SELECT count(*) FROM login_attempt") == 10


async def test_the_right_password_among_racing_wrong_ones_gets_no_extra_check(client, make_account):
    account = await make_account()
    await fail(client, account.email, 9)
    await spread_over_addresses()
    token = await csrf_token(client)

    async def guess(password: str) -> int:
        response = await client.post(
            "/login",
            data={"email": account.email, "password": password, "_csrf_token": token},
            follow_redirects=False,
        )
        return response.status_code

    codes = await asyncio.gather(*(guess(WRONG) for _ in range(29)), guess(account.password))
    assert await db.fetchval("SELECT count(*) FROM login_attempt") == 10
    assert codes.count(429) == 29  # one of the thirty got the tenth check, the rest waited


async def test_colleagues_logging_in_together_from_one_address_are_not_slowed(
    client, settings, make_account
):
    """Logins in flight count against their email (racing guesses), not the address: an
    office behind one address logging in at 9 o'clock all gets in."""
    accounts = [await make_account(org_name=f"Office {i}") for i in range(20)]

    async def sign_in_alone(account: Any) -> int:
        async with app_client(settings) as browser:
            return (await sign_in(browser, account)).status_code

    codes = await asyncio.gather(*(sign_in_alone(a) for a in accounts))
    assert codes == [302] * 20
    assert await db.fetchval("SELECT count(*) FROM login_attempt WHERE pending") == 0

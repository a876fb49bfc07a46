"""Device cookies and the login delay (pure functions)."""

from __future__ import annotations

from app.accounts import devices
from app.accounts.service import MAX_LOGIN_DELAY_SECONDS, login_delay

KEY = "k" * 32


def test_a_remembered_account_is_found_and_others_are_not():
    cookie = devices.remember(KEY, None, "Ada@Example.com")
    assert devices.device_for(KEY, cookie, "ada@example.com")
    assert devices.device_for(KEY, cookie, "grace@example.com") is None
    assert "ada" not in cookie.lower()  # the account is named by a keyed hash only


def test_an_altered_cookie_or_another_key_is_not_trusted():
    cookie = devices.remember(KEY, None, "ada@example.com")
    tag, nonce, signature = cookie.split(".")
    assert devices.device_for(KEY, f"{tag}.{nonce}A.{signature}", "ada@example.com") is None
    other = signature[:-1] + ("1" if signature.endswith("0") else "0")
    assert devices.device_for(KEY, f"{tag}.{nonce}.{other}", "ada@example.com") is None
    assert devices.device_for("x" * 32, cookie, "ada@example.com") is None
    assert devices.device_for(KEY, "garbage~a.b~" + "x" * 5000, "ada@example.com") is None


def test_a_login_renews_the_nonce_and_keeps_a_few_other_accounts():
    cookie = None
    for i in range(7):
        cookie = devices.remember(KEY, cookie, f"user{i}@example.com")
    assert cookie is not None
    kept = [i for i in range(7) if devices.device_for(KEY, cookie, f"user{i}@example.com")]
    assert kept == [2, 3, 4, 5, 6]
    before = devices.device_for(KEY, cookie, "user6@example.com")
    cookie = devices.remember(KEY, cookie, "user6@example.com")
    assert devices.device_for(KEY, cookie, "user6@example.com") not in (None, before)


def test_the_login_delay_doubles_over_the_limit_up_to_a_minute():
    assert [login_delay(n, 10) for n in (0, 9, 10, 11, 12, 14, 40, 10**6)] == [
        0,
        0,
        2,
        4,
        8,
        32,
        MAX_LOGIN_DELAY_SECONDS,
        MAX_LOGIN_DELAY_SECONDS,
    ]

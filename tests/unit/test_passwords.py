"""Password checks (pure functions)."""

from __future__ import annotations

from app.accounts.passwords import NO_PASSWORD, _hasher, verify_password


def test_no_usable_hash_never_matches_not_even_the_dummy_password():
    assert not verify_password(None, "not-a-real-password")
    assert not verify_password("", "not-a-real-password")
    assert not verify_password(NO_PASSWORD, "not-a-real-password")
    assert verify_password(_hasher.hash("right-password"), "right-password")

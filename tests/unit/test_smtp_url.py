"""parse_smtp_url: credentials never travel in cleartext unless the URL says smtp+insecure://."""

from __future__ import annotations

import pytest

from app.mail.smtp import SmtpTarget, parse_smtp_url


def test_credentials_over_smtp_require_starttls():
    target = parse_smtp_url("smtp://user:p%40ss@mail.example:587")
    assert target == SmtpTarget("mail.example", 587, "user", "p@ss", False, True)
    assert parse_smtp_url("smtp+starttls://u:p@mail.example").start_tls is True
    assert parse_smtp_url("smtp://u@mail.example").start_tls is True  # a user alone too


def test_smtps_is_implicit_tls():
    target = parse_smtp_url("smtps://u:p@mail.example")
    assert (target.port, target.use_tls, target.start_tls) == (465, True, None)
    assert parse_smtp_url("smtps://u:p@mail.example?starttls=0").use_tls is True


@pytest.mark.parametrize(
    "url",
    [
        "smtp://u:p@mail.example?starttls=0",
        "smtp://u:p@mail.example:25?starttls=false",
        "smtp+starttls://u:p@mail.example?starttls=no",
    ],
)
def test_turning_tls_off_with_credentials_is_refused(url):
    with pytest.raises(ValueError, match=r"smtp\+insecure://"):
        parse_smtp_url(url)


def test_smtp_insecure_allows_cleartext_explicitly():
    target = parse_smtp_url("smtp+insecure://u:p@127.0.0.1:2525")
    assert (target.username, target.password, target.use_tls) == ("u", "p", False)
    assert target.start_tls is None  # still upgrades when the server offers it
    assert parse_smtp_url("smtp+insecure://u:p@h?starttls=0").start_tls is False


def test_without_credentials_tls_stays_opportunistic():
    assert parse_smtp_url("smtp://relay.internal").start_tls is None
    assert parse_smtp_url("smtp://relay.internal?starttls=0").start_tls is False
    assert parse_smtp_url("smtp://relay.internal").port == 25


@pytest.mark.parametrize("url", ["http://u:p@h", "smtp://", "smtp:///nohost", "ftp://h"])
def test_other_urls_are_refused(url):
    with pytest.raises(ValueError):
        parse_smtp_url(url)

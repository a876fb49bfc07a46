"""Sending one message over SMTP, to where SMTP_URL says, with TLS unless told otherwise. A bad
URL is a permanent failure of the job that sends, SMTP trouble a retry."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from app.queue.service import PermanentFailure, RetryLater
from app.text import impersonal


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: upgrade when the server offers it


SCHEMES = ("smtp", "smtps", "smtp+starttls", "smtp+insecure")
CLEARTEXT_REFUSED = (
    "SMTP_URL has credentials and turns TLS off: they would cross the network in cleartext. "
    "Use smtps:// or STARTTLS (drop starttls=0), or say smtp+insecure:// to allow it."
)


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://[user:pass@]host[:port], smtps:// (implicit TLS), smtp+starttls:// (STARTTLS
    required), smtp+insecure:// (cleartext allowed). With credentials, smtp:// requires
    STARTTLS: a server that does not offer it (or a network that strips it) gets no password;
    turning TLS off with ?starttls=0 is refused unless the scheme is smtp+insecure://."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:port")
    use_tls = scheme == "smtps"
    credentials = bool(parts.username or parts.password)
    query = parse_qs(parts.query)
    tls_off = query.get("starttls", [""])[0].lower() in ("0", "false", "no")
    start_tls: bool | None = None  # upgrade when the server offers it
    if scheme == "smtp+starttls" or (scheme == "smtp" and credentials):
        start_tls = True
    if tls_off:
        if credentials and scheme in ("smtp", "smtp+starttls"):
            raise ValueError(CLEARTEXT_REFUSED)
        start_tls = False
    return SmtpTarget(
        hostname=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=None if use_tls else start_tls,
    )


async def smtp_send(message: EmailMessage, smtp_url: str) -> None:
    """Send one message; a bad SMTP_URL is a permanent failure, SMTP trouble a retry."""
    try:
        target = parse_smtp_url(smtp_url)
    except ValueError as exc:
        raise PermanentFailure(str(exc)) from None
    try:
        await aiosmtplib.send(
            message,
            hostname=target.hostname,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            start_tls=target.start_tls,
            timeout=20,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise RetryLater(impersonal(f"SMTP: {exc}", str(message["To"] or ""))[:500]) from None

"""Device cookies, after OWASP's "slow down online guessing attacks with device cookies": a
browser that has signed in to an account keeps a signed cookie naming that account (by a keyed
hash, never the address) and a random nonce. Failed logins from elsewhere do not hold such a
browser back, so nobody can lock a recruiter out by guessing at their email; the browser's own
failures count against its nonce alone.

Written here rather than with a signing library: an entry is one HMAC-SHA256 over two short
fields, with the key derived from SECRET_KEY like the other keys in `app/crypto.py`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DEVICE_COOKIE = "hw_device"
MAX_AGE_SECONDS = 365 * 24 * 3600
MAX_ENTRIES = 5  # accounts remembered per browser (a shared machine)
_TAG_CHARS = 32


@lru_cache(maxsize=4)
def _key(secret_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"hirewire-devices-v1", info=b"device-cookie"
    ).derive(secret_key.encode())


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:_TAG_CHARS]


def account_tag(secret_key: str, email: str) -> str:
    return _mac(_key(secret_key), "account:" + email.strip().lower())


def _entries(secret_key: str, cookie: str | None) -> list[tuple[str, str]]:
    """The cookie's authentic (tag, nonce) entries; anything altered or malformed is dropped."""
    key, found = _key(secret_key), []
    for entry in (cookie or "")[:2000].split("~")[:MAX_ENTRIES]:
        parts = entry.split(".")
        if len(parts) != 3:
            continue
        tag, nonce, signature = parts
        if hmac.compare_digest(signature, _mac(key, f"{tag}.{nonce}")):
            found.append((tag, nonce))
    return found


def device_for(secret_key: str, cookie: str | None, email: str) -> str | None:
    """This browser's nonce for the account, if it has signed in to it before."""
    tag = account_tag(secret_key, email)
    return next((nonce for t, nonce in _entries(secret_key, cookie) if t == tag), None)


def remember(secret_key: str, cookie: str | None, email: str) -> str:
    """The cookie after a successful login: a fresh nonce for this account first, then the
    other accounts this browser remembers."""
    key, tag = _key(secret_key), account_tag(secret_key, email)
    nonce = secrets.token_urlsafe(12)
    fresh = f"{tag}.{nonce}.{_mac(key, f'{tag}.{nonce}')}"
    others = [
        f"{t}.{n}.{_mac(key, f'{t}.{n}')}" for t, n in _entries(secret_key, cookie) if t != tag
    ]
    return "~".join([fresh, *others][:MAX_ENTRIES])

"""Secrets at rest (provider API keys, webhook signing secrets): Fernet with a key derived from
SECRET_KEY; a keyed hash that recognises a candidate's email without storing it; token hashing
for sessions and API tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBox:
    """Encrypts short secrets for storage; `open` raises ValueError on tampering or a wrong key."""

    def __init__(self, secret_key: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"hirewire-secrets-v1", info=b"fernet"
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self._email_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"hirewire-secrets-v1", info=b"email-hmac"
        ).derive(secret_key.encode())

    def candidate_key(self, organisation_id: uuid.UUID, email: str) -> str:
        """HMAC-SHA256 of an email within one organisation: equal for the same address (case
        and surrounding spaces aside), useless for finding the address without SECRET_KEY, and
        different in each organisation, so two tenants' rows cannot be linked. A new
        SECRET_KEY makes the stored ones unrecognisable (see README, Privacy)."""
        message = f"{organisation_id}\x00{email.strip().lower()}".encode()
        return hmac.new(self._email_key, message, hashlib.sha256).hexdigest()

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("stored secret cannot be decrypted with this SECRET_KEY") from None


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()

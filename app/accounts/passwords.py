"""Password hashing with argon2id (argon2-cffi's recommended parameters). Hashing takes tens of
milliseconds of CPU, so requests do it on a small thread pool (argon2 releases the GIL): the
event loop keeps serving webhooks, streams and pages during a burst of logins, and at most
`HASH_THREADS` hashes run at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps timing the same either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 10
HASH_THREADS = 2
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


NO_PASSWORD = "!no-password"  # an invited colleague's, until they set one: matches nothing


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; without a usable hash (no account, an invited colleague)
    the same work is done against a dummy hash, so timing tells nothing, and it never
    matches."""
    usable = bool(password_hash) and password_hash != NO_PASSWORD
    try:
        matched = _hasher.verify(
            password_hash if password_hash and usable else _DUMMY_HASH, password
        )
    except (VerificationError, InvalidHashError):
        return False
    return matched and usable


async def check_password(password_hash: str | None, password: str) -> bool:
    """`verify_password` off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, verify_password, password_hash, password)


async def new_password_hash(password: str) -> str:
    """`hash_password` off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Passwords need at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 1024:
        return "Passwords can be at most 1,024 characters."
    return None

"""Accounts: organisations, users, login with rate limiting, sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from app import db
from app.accounts.passwords import (
    check_password,
    hash_password,
    new_password_hash,
    password_problem,
)
from app.accounts.tables import AppUser, Organisation, UserSession
from app.crypto import SecretBox, new_token, token_hash
from app.text import clean, one_line

ROLES = ("admin", "recruiter")
SESSION_PREFIX = "hws_"
API_TOKEN_PREFIX = "hwt_"


class AccountError(ValueError):
    """Input a person can fix; the message says how."""


@dataclass(frozen=True)
class CurrentUser:
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    email: str
    name: str
    role: str
    session_id: uuid.UUID | None = None
    csrf_hash: str | None = None  # of the CSRF token bound to the session (None: not bound)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return self.name or self.email


def normalise_email(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        raise AccountError("Enter an email address.")
    if len(raw) > 254:
        raise AccountError("That email address is too long.")
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"{raw!r} is not a valid email address: {exc}") from None


async def create_organisation(
    name: str, ribbon_api_key: str | None = None, box: SecretBox | None = None
) -> uuid.UUID:
    name = one_line(name)
    if not 1 <= len(name) <= 200:
        raise AccountError("An organisation needs a name of 1 to 200 characters.")
    org = Organisation(name=name)
    if ribbon_api_key:
        if box is None:
            raise AccountError("a SecretBox is needed to store an API key")
        org.ribbon_api_key_enc = box.seal(ribbon_api_key.strip())
        org.ribbon_api_key_hint = ribbon_api_key.strip()[-4:]
    await org.save()
    return org.id


async def create_user(
    organisation_id: uuid.UUID, email: str, password: str, role: str, name: str = ""
) -> uuid.UUID:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if not await Organisation.exists().where(Organisation.id == organisation_id):
        raise AccountError(f"No organisation with id {organisation_id}.")
    if await db.fetchval("SELECT 1 FROM app_user WHERE lower(email) = $1", email):
        raise AccountError(f"A user with email {email} already exists.")
    user = AppUser(
        organisation_id=organisation_id,
        email=email,
        name=one_line(name)[:200],
        password_hash=hash_password(password),
        role=role,
    )
    await user.save()
    return user.id


MAX_LOGIN_DELAY_SECONDS = 60


@dataclass(frozen=True)
class LoginOutcome:
    """`user` when the password matched; `retry_after` > 0 when the attempt was refused before
    any password was checked (too many recent failures)."""

    user: CurrentUser | None
    retry_after: int = 0
    password_seen: dt.datetime | None = None  # the user's password_changed_at, as checked


def login_delay(failures: int, max_failures: int) -> int:
    """Seconds an unknown client waits after the last failure once `max_failures` is reached:
    2, 4, 8 ... up to a minute. Guessing slows to about one try a minute, while the account's
    owner is never locked out for long (and not at all from a browser they signed in on)."""
    if failures < max_failures:
        return 0
    return int(min(2 ** min(failures - max_failures + 1, 16), MAX_LOGIN_DELAY_SECONDS))


async def _lock(key: str) -> None:
    await db.fetch("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)


# What each limited action counts: the table of its attempts, which of them count, and when.
# What each limited action counts: its table, which rows count against an email or a browser,
# which against an address, and when they happened. A login in flight (pending) counts as a
# failure for its email and browser, so racing guesses at one account get no extra checks,
# but not for its address, so colleagues logging in together from one office are not slowed.
LIMITED = {
    "login": ("login_attempt", "NOT succeeded", "NOT succeeded AND NOT pending", "at"),
    "reset": ("password_reset", "true", "true", "requested_at"),
}


async def admission(
    action: str,
    email: str,
    ip: str,
    device: str | None,
    max_attempts: int,
    window_seconds: int,
) -> tuple[int, str | None]:
    """Inside the caller's transaction, which then records the attempt: the seconds to wait (0:
    go ahead) and the device the attempt counts against. Attempts count for this browser's
    device cookie when it has one for the account, else for the email and the address. Advisory
    locks, always taken in the same order, make counting and recording one step, so concurrent
    requests cannot slip past the limit."""
    table, counted, counted_by_address, at = LIMITED[action]
    window = dt.timedelta(seconds=window_seconds)
    if device is not None:
        await _lock(f"{action}-device:{device}")
        used = await db.fetchval(
            f"""SELECT count(*) FROM {table}
                WHERE device = $1 AND {counted} AND {at} > now() - $2::interval""",
            device,
            window,
        )
        if used < max_attempts:
            return 0, device
        device = None  # this browser failed too often itself: it is an unknown client again
    for key in sorted((f"{action}-ip:{ip}", f"{action}-email:{email}")):
        await _lock(key)
    rows = await db.fetch(
        f"""SELECT count(*) AS used,
                   coalesce(extract(epoch FROM now() - max({at})), 0) AS since_last
            FROM {table}
            WHERE {counted_by_address} AND device IS NULL AND ip = $1
              AND {at} > now() - $3::interval
            UNION ALL
            SELECT count(*), coalesce(extract(epoch FROM now() - max({at})), 0)
            FROM {table}
            WHERE {counted} AND device IS NULL AND lower(email) = $2
              AND {at} > now() - $3::interval""",
        ip,
        email,
        window,
    )
    waits = [login_delay(r["used"], max_attempts) - float(r["since_last"]) for r in rows]
    return max(0, math.ceil(max(waits))), None


ATTEMPTS_KEPT_DAYS = 7


async def forget_old_attempts() -> int:
    """Login attempts and reset requests older than a week go: they hold typed addresses (some
    of nobody's account) and client addresses, and the limits look back 15 minutes."""
    rows = await db.fetch(
        """WITH logins AS (
               DELETE FROM login_attempt WHERE at < now() - make_interval(days => $1)
               RETURNING 1
           ), resets AS (
               DELETE FROM password_reset WHERE requested_at < now() - make_interval(days => $1)
               RETURNING 1
           )
           SELECT (SELECT count(*) FROM logins) + (SELECT count(*) FROM resets) AS n""",
        ATTEMPTS_KEPT_DAYS,
    )
    return int(rows[0]["n"])


async def attempt_login(
    email: str,
    password: str,
    ip: str,
    device: str | None,
    *,
    max_failures: int,
    window_seconds: int,
) -> LoginOutcome:
    """Check a password unless too many attempts failed recently: for this browser's device
    cookie (`device`, when it has signed in to this account before), else from this address
    or for this email from browsers without one. The attempt is recorded as failed before
    the password is checked, so racing requests cannot get more checks than the limit; the
    answer is the same whether or not the email has an account."""
    email = clean(email, "exact").strip().lower()[:254]
    password, ip = clean(password, "exact"), clean(ip, "exact", 200)
    async with db.transaction():
        wait, device = await admission("login", email, ip, device, max_failures, window_seconds)
        if wait > 0:
            return LoginOutcome(None, retry_after=wait)
        attempt_id = await db.fetchval(
            """INSERT INTO login_attempt (email, ip, device, succeeded, pending)
               VALUES ($1, $2, $3, false, true) RETURNING id""",
            email,
            ip,
            device,
        )
    row = await db.fetchrow(
        """SELECT id, password_hash, password_changed_at FROM app_user
           WHERE lower(email) = $1 AND is_active""",
        email,
    )
    ok = await check_password(row["password_hash"] if row else None, password or "")
    if not ok or row is None:
        await db.fetch("UPDATE login_attempt SET pending = false WHERE id = $1", attempt_id)
        return LoginOutcome(None)
    await db.fetch(
        """WITH a AS (UPDATE login_attempt SET succeeded = true, pending = false WHERE id = $1)
           UPDATE app_user SET last_login_at = now() WHERE id = $2""",
        attempt_id,
        row["id"],
    )
    return LoginOutcome(await user_by_id(row["id"]), password_seen=row["password_changed_at"])


_USER_SQL = """
    SELECT u.id, u.organisation_id, o.name AS organisation_name, u.email, u.name, u.role
    FROM app_user u JOIN organisation o ON o.id = u.organisation_id
"""


async def user_by_id(user_id: uuid.UUID) -> CurrentUser | None:
    row = await db.fetchrow(_USER_SQL + " WHERE u.id = $1 AND u.is_active", user_id)
    return CurrentUser(**dict(row)) if row else None


class PasswordChanged(AccountError):
    """The password changed after the one given was checked: no session for it."""


async def start_session(
    user_id: uuid.UUID,
    ip: str,
    user_agent: str,
    max_age: int,
    csrf_token: str | None = None,
    password_seen: dt.datetime | None = None,
) -> str:
    """A new session; `csrf_token` is the CSRF token issued with it (only its hash is kept),
    the only one its unsafe requests are accepted with. With `password_seen` (the user's
    `password_changed_at` when a login checked the password) the session is only made if the
    password is still that one: the user's row is share-locked, so a change either waits for
    this insert (and then revokes the session) or has committed and nothing is inserted.
    Without the lock, a login checked against the old password could outlive the change."""
    token = new_token(SESSION_PREFIX)
    made = await db.fetchval(
        """INSERT INTO user_session (user_id, token_hash, expires_at, ip, user_agent, csrf_hash)
           SELECT u.id, $2, $3, $4, $5, $6 FROM app_user u
           WHERE u.id = $1 AND ($7::timestamptz IS NULL OR u.password_changed_at = $7)
           FOR SHARE OF u
           RETURNING true""",
        user_id,
        token_hash(token),
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=max_age),
        ip[:100],
        user_agent[:300],
        token_hash(csrf_token) if csrf_token else None,
        password_seen,
    )
    if not made:
        raise PasswordChanged("The password was changed just now: log in with the new one.")
    return token


async def session_user(token: str) -> CurrentUser | None:
    if not token.startswith(SESSION_PREFIX) or len(token) > 200:
        return None
    row = await db.fetchrow(
        _USER_SQL.replace(
            "FROM app_user u", "FROM user_session s JOIN app_user u ON u.id = s.user_id"
        ).replace("SELECT u.id,", "SELECT s.id AS session_id, s.csrf_hash, u.id,")
        + """ WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
              AND u.is_active AND s.created_at >= u.password_changed_at""",
        token_hash(token),
    )
    return CurrentUser(**dict(row)) if row else None


async def end_session(token: str) -> None:
    await UserSession.update({UserSession.revoked_at: dt.datetime.now(dt.UTC)}).where(
        UserSession.token_hash == token_hash(token)
    )


async def password_hash_of(user_id: uuid.UUID) -> str | None:
    found: str | None = await db.fetchval(
        "SELECT password_hash FROM app_user WHERE id = $1 AND is_active", user_id
    )
    return found


async def user_id_by_email(email: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await db.fetchval(
        "SELECT id FROM app_user WHERE lower(email) = $1 AND is_active",
        clean(email, "exact").strip().lower(),
    )
    return found


async def change_password(user_id: uuid.UUID, new_password: str) -> None:
    """Set a new password; every existing session of the user stops working. The time of the
    change is the database's (`now()`), as the sessions' `created_at` it is compared with: an
    app host whose clock runs ahead would otherwise end the session made right after."""
    problem = password_problem(new_password)
    if problem:
        raise AccountError(problem)
    password_hash = await new_password_hash(new_password)
    async with db.transaction():
        await db.fetch(
            "UPDATE app_user SET password_hash = $2, password_changed_at = now() WHERE id = $1",
            user_id,
            password_hash,
        )
        await db.fetch(
            """UPDATE user_session SET revoked_at = now()
               WHERE user_id = $1 AND revoked_at IS NULL""",
            user_id,
        )


TOKEN_COLUMNS = "id, name, prefix, created_at, last_used_at, expires_at, revoked_at"


async def insert_api_token(
    user_id: uuid.UUID, name: str, expires_in_days: int | None
) -> tuple[str, Any]:
    """A new API token (shown once) and its row; only the token's hash is stored."""
    token = new_token(API_TOKEN_PREFIX)
    row = await db.fetchrow(
        f"""INSERT INTO api_token (user_id, name, prefix, token_hash, expires_at)
            VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))
            RETURNING {TOKEN_COLUMNS}""",
        user_id,
        name[:100],
        token[:10],
        token_hash(token),
        expires_in_days,
    )
    return token, row


async def user_id_for(email: str) -> uuid.UUID:
    """The user with this email, active or not; AccountError when there is none (the CLI)."""
    email = normalise_email(email)
    user_id: uuid.UUID | None = await db.fetchval(
        "SELECT id FROM app_user WHERE lower(email) = $1", email
    )
    if user_id is None:
        raise AccountError(f"No user with email {email}.")
    return user_id


async def create_api_token(email: str, name: str = "", expires_in_days: int | None = None) -> str:
    """A new API token for the user with this email (the CLI's way)."""
    token, _ = await insert_api_token(await user_id_for(email), name, expires_in_days)
    return token


async def token_user(token: str) -> CurrentUser | None:
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    row = await db.fetchrow(
        _USER_SQL.replace("FROM app_user u", "FROM api_token t JOIN app_user u ON u.id = t.user_id")
        + """ WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.is_active
              AND (t.expires_at IS NULL OR t.expires_at > now())""",
        token_hash(token),
    )
    if row is None:
        return None
    await db.fetch(
        "UPDATE api_token SET last_used_at = now() WHERE token_hash = $1 "
        "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        token_hash(token),
    )
    return CurrentUser(**dict(row))

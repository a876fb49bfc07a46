"""API tokens: named, optionally expiring, listed (by prefix only) and revocable by their owner,
on a page, through the API and the CLI. Only a token's SHA-256 hash is stored; it is shown once,
when made. Deactivating a user (`team.revoke_access`) revokes their tokens too."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from app import db
from app.accounts.service import (
    TOKEN_COLUMNS,
    AccountError,
    insert_api_token,
)
from app.text import clean

MAX_ACTIVE = 20  # per user: a leak is easier to find among few
EXPIRY_DAYS = (7, 30, 90, 365)  # or None: never


def expiry_problem(days: int | None) -> str | None:
    if days is not None and days not in EXPIRY_DAYS:
        choices = ", ".join(str(d) for d in EXPIRY_DAYS)
        return f"A token expires after {choices} days, or never."
    return None


async def create_token(
    user_id: uuid.UUID, name: str, expires_in_days: int | None
) -> tuple[str, dict[str, Any]]:
    """A new token for the user: (the token itself, shown once; its public row)."""
    name = clean(name, "exact").strip()[:100]
    if not name:
        raise AccountError("Name the token after what will use it, e.g. 'ATS sync'.")
    problem = expiry_problem(expires_in_days)
    if problem:
        raise AccountError(problem)
    async with db.transaction():
        await db.fetch("SELECT id FROM app_user WHERE id = $1 FOR UPDATE", user_id)
        active = await db.fetchval(
            """SELECT count(*) FROM api_token WHERE user_id = $1 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > now())""",
            user_id,
        )
        if active >= MAX_ACTIVE:
            raise AccountError(
                f"You have {MAX_ACTIVE} active tokens already. Revoke one you no longer use."
            )
        token, row = await insert_api_token(user_id, name, expires_in_days)
    return token, public(row)


def public(row: Any) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    state = "active"
    if row["revoked_at"] is not None:
        state = "revoked"
    elif row["expires_at"] is not None and row["expires_at"] <= now:
        state = "expired"
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "prefix": row["prefix"],
        "state": state,
        "created_at": row["created_at"].isoformat(),
        "last_used_at": row["last_used_at"].isoformat() if row["last_used_at"] else None,
        "expires_at": row["expires_at"].isoformat() if row["expires_at"] else None,
        "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
    }


async def list_tokens(user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The user's tokens, newest first (revoked ones for 90 days, as a record)."""
    rows = await db.fetch(
        f"""SELECT {TOKEN_COLUMNS} FROM api_token
            WHERE user_id = $1 AND (revoked_at IS NULL OR revoked_at > now() - interval '90 days')
            ORDER BY created_at DESC LIMIT 200""",
        user_id,
    )
    return [public(r) for r in rows]


async def revoke_token(user_id: uuid.UUID, token_id: uuid.UUID) -> dict[str, Any] | None:
    """Revoke one of the user's tokens (again is harmless); None when it is not theirs."""
    row = await db.fetchrow(
        f"""UPDATE api_token SET revoked_at = coalesce(revoked_at, now())
            WHERE id = $1 AND user_id = $2 RETURNING {TOKEN_COLUMNS}""",
        token_id,
        user_id,
    )
    return public(row) if row else None

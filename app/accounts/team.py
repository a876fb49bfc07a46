"""The team of an organisation: admins invite colleagues by email (a one-time link to set their
first password), change roles, deactivate and reactivate accounts. An organisation always keeps
one active admin, and nobody deactivates or demotes themselves by accident."""

from __future__ import annotations

import uuid
from typing import Any

from app import db
from app.accounts import resets
from app.accounts.passwords import NO_PASSWORD
from app.accounts.service import ROLES, AccountError, CurrentUser, normalise_email, user_id_for
from app.crypto import SecretBox
from app.text import one_line

MAX_MEMBERS = 500


async def members(organisation_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT id, email, name, role, is_active, created_at, invited_at, last_login_at,
                  password_hash = $2 AS invited
           FROM app_user WHERE organisation_id = $1
           ORDER BY is_active DESC, lower(coalesce(nullif(name, ''), email))""",
        organisation_id,
        NO_PASSWORD,
    )
    out = []
    for r in rows:
        state = "active" if r["is_active"] else "deactivated"
        if r["is_active"] and r["invited"]:
            state = "invited"
        out.append({**dict(r), "state": state})
    return out


async def invite(
    admin: CurrentUser, email: str, name: str, role: str, ip: str, box: SecretBox
) -> uuid.UUID:
    """A new colleague with no password yet, and the email with their link."""
    email = normalise_email(email)
    name = one_line(name)[:200]
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    async with db.transaction():
        await db.fetch(
            "SELECT id FROM organisation WHERE id = $1 FOR UPDATE", admin.organisation_id
        )
        existing = await db.fetchrow(
            "SELECT organisation_id FROM app_user WHERE lower(email) = $1", email
        )
        if existing is not None:
            # the same answer whichever organisation has it: nothing about others leaks
            raise AccountError(f"{email} already has a Hirewire account.")
        count = await db.fetchval(
            "SELECT count(*) FROM app_user WHERE organisation_id = $1", admin.organisation_id
        )
        if count >= MAX_MEMBERS:
            raise AccountError(f"An organisation has at most {MAX_MEMBERS} members.")
        user_id: uuid.UUID = await db.fetchval(
            """INSERT INTO app_user (organisation_id, email, name, password_hash, role, invited_at)
               VALUES ($1, $2, $3, $4, $5, now()) RETURNING id""",
            admin.organisation_id,
            email,
            name,
            NO_PASSWORD,
            role,
        )
        await resets.issue_invite_link(user_id, email, ip, box)
    return user_id


async def _member(organisation_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    row = await db.fetchrow(
        """SELECT id, email, role, is_active, password_hash = $3 AS invited FROM app_user
           WHERE id = $1 AND organisation_id = $2 FOR UPDATE""",
        user_id,
        organisation_id,
        NO_PASSWORD,
    )
    if row is None:
        raise LookupError("No such member.")
    return row


async def _other_active_admins(organisation_id: uuid.UUID, user_id: uuid.UUID) -> int:
    count: int = await db.fetchval(
        """SELECT count(*) FROM app_user WHERE organisation_id = $1 AND id <> $2
             AND role = 'admin' AND is_active AND password_hash <> $3""",
        organisation_id,
        user_id,
        NO_PASSWORD,
    )
    return count


async def set_role(admin: CurrentUser, user_id: uuid.UUID, role: str) -> Any:
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    async with db.transaction():
        await db.fetch(
            "SELECT id FROM organisation WHERE id = $1 FOR UPDATE", admin.organisation_id
        )
        member = await _member(admin.organisation_id, user_id)
        demoted = member["role"] == "admin" and role != "admin"
        if demoted and await _other_active_admins(admin.organisation_id, user_id) == 0:
            raise AccountError("The organisation needs another active admin first.")
        await db.fetch("UPDATE app_user SET role = $2 WHERE id = $1", user_id, role)
    return member


async def deactivate(admin: CurrentUser, user_id: uuid.UUID) -> Any:
    """The member cannot log in; every session and API token of theirs is revoked."""
    if user_id == admin.id:
        raise AccountError("You cannot deactivate yourself; ask another admin.")
    async with db.transaction():
        await db.fetch(
            "SELECT id FROM organisation WHERE id = $1 FOR UPDATE", admin.organisation_id
        )
        member = await _member(admin.organisation_id, user_id)
        admin_leaving = member["role"] == "admin" and member["is_active"]
        if admin_leaving and await _other_active_admins(admin.organisation_id, user_id) == 0:
            raise AccountError("The organisation needs another active admin first.")
        await revoke_access(user_id)
    return member


async def revoke_access(user_id: uuid.UUID) -> int:
    """Inside the caller's transaction: deactivate the user and revoke every session, API token
    and open password link of theirs, so reactivating them later revives none. Returns how
    many sessions and tokens were revoked."""
    await db.fetch("UPDATE app_user SET is_active = false WHERE id = $1", user_id)
    revoked = await db.fetch(
        """WITH s AS (
               UPDATE user_session SET revoked_at = now()
               WHERE user_id = $1 AND revoked_at IS NULL RETURNING 1
           ), t AS (
               UPDATE api_token SET revoked_at = now()
               WHERE user_id = $1 AND revoked_at IS NULL RETURNING 1
           ), r AS (
               UPDATE password_reset SET status = 'superseded', token_enc = NULL
               WHERE user_id = $1 AND status IN ('queued', 'sent') RETURNING 1
           )
           SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM t) AS n""",
        user_id,
    )
    return int(revoked[0]["n"])


async def deactivate_by_email(email: str) -> int:
    """The CLI's deactivation (no admin needed: the operator has the database)."""
    user_id = await user_id_for(email)
    async with db.transaction():
        return await revoke_access(user_id)


async def reactivate(admin: CurrentUser, user_id: uuid.UUID) -> Any:
    """Active again; their old sessions and tokens stay revoked."""
    async with db.transaction():
        member = await _member(admin.organisation_id, user_id)
        await db.fetch("UPDATE app_user SET is_active = true WHERE id = $1", user_id)
    return member


async def resend_invite(admin: CurrentUser, user_id: uuid.UUID, ip: str, box: SecretBox) -> Any:
    async with db.transaction():
        member = await _member(admin.organisation_id, user_id)
        if not member["invited"] or not member["is_active"]:
            raise AccountError("Only a pending invitation can be sent again.")
        await resets.issue_invite_link(user_id, member["email"], ip, box)
    return member

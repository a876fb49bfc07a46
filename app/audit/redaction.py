"""Erasure in the audit trail: an entry whose detail names the erased person keeps its action,
actor and time, and loses the detail. Runs inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app import db


async def redact_mentions(
    organisation_id: uuid.UUID, mentions: Callable[[str, str], str], terms: list[str]
) -> int:
    """Entries of the organisation whose detail mentions one of `terms` (the caller's
    `mentions(expr, param)` tests that); returns how many."""
    rows = await db.fetch(
        f"""UPDATE audit_event SET detail = '{{"redacted": true}}'
            WHERE organisation_id = $1 AND {mentions("detail::text", "$2")} RETURNING 1""",
        organisation_id,
        terms,
    )
    return len(rows)

"""Erasure of a candidate's emails: addresses, subjects and bodies go, a queued one is never
sent. Runs inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app import db


async def erase_candidate_emails(
    organisation_id: uuid.UUID,
    candidate_id: uuid.UUID,
    invitation_ids: list[uuid.UUID],
    placeholder: str,
    subject: str,
    mentions: Callable[[str, str], str],
    email_terms: list[str],
) -> int:
    """The candidate's emails, their invitations' and any sent to one of `email_terms` (tested
    by the caller's `mentions(expr, param)`) get `placeholder` as address; returns how many."""
    rows = await db.fetch(
        f"""UPDATE email_message SET to_address = $4, subject = $5, body_text = '',
               body_html = '', last_error = '',
               status = CASE WHEN status = 'queued' THEN 'not_sent' ELSE status END
            WHERE organisation_id = $2
              AND (candidate_id = $3 OR invitation_id = ANY($1::uuid[])
                   OR {mentions("to_address", "$6")})
            RETURNING 1""",
        invitation_ids,
        organisation_id,
        candidate_id,
        placeholder,
        subject,
        email_terms,
    )
    return len(rows)

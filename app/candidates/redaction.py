"""Erasure of a candidate's identity: the row stays (applications, counts and reports still
add up), the email, names and phone go. Runs inside the caller's transaction."""

from __future__ import annotations

import uuid

from app import db


async def erase_identity(
    organisation_id: uuid.UUID,
    candidate_id: uuid.UUID,
    placeholder_email: str,
    first_name: str,
    last_name: str,
) -> None:
    await db.fetch(
        """UPDATE candidate SET email = $3, first_name = $4, last_name = $5, phone = '',
               erased_at = coalesce(erased_at, now())
           WHERE id = $1 AND organisation_id = $2""",
        candidate_id,
        organisation_id,
        placeholder_email,
        first_name,
        last_name,
    )

"""Progress of bulk invites, counted from their invitations (nothing to keep in step)."""

from __future__ import annotations

import uuid
from typing import Any

from app import db
from app.errors import NotFound

_PROGRESS_SQL = """
    SELECT b.id, b.job_id, b.assessment_id, b.requested, b.total, b.skipped, b.created_at,
           a.title AS assessment_title,
           count(i.id) FILTER (WHERE i.status = 'sending') AS sending,
           count(i.id) FILTER (WHERE i.status = 'failed') AS failed,
           count(i.id) FILTER (WHERE i.status = 'cancelled') AS cancelled,
           count(i.id) FILTER (WHERE i.status NOT IN ('sending', 'failed', 'cancelled')) AS invited
    FROM bulk_invite b
    JOIN assessment a ON a.id = b.assessment_id
    LEFT JOIN invitation i ON i.bulk_invite_id = b.id
"""


def _progress(row: Any) -> dict[str, Any]:
    p = dict(row)
    total = max(int(p["total"]), 1)
    finished = int(p["total"]) - int(p["sending"])
    p["finished"] = finished
    p["done"] = int(p["sending"]) == 0
    p["percent"] = round(100 * finished / total)
    return p


async def progress(organisation_id: uuid.UUID, bulk_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        _PROGRESS_SQL + " WHERE b.id = $1 AND b.organisation_id = $2 GROUP BY b.id, a.title",
        bulk_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such bulk invite.")
    return _progress(row)


async def recent_for_job(
    organisation_id: uuid.UUID, job_id: uuid.UUID, minutes: int = 15
) -> list[dict[str, Any]]:
    """Bulk invites still running, or finished in the last minutes (for the job page)."""
    rows = await db.fetch(
        _PROGRESS_SQL
        + """ WHERE b.job_id = $1 AND b.organisation_id = $2
              GROUP BY b.id, a.title
              HAVING count(i.id) FILTER (WHERE i.status = 'sending') > 0
                  OR b.created_at > now() - make_interval(mins => $3)
              ORDER BY b.created_at DESC LIMIT 5""",
        job_id,
        organisation_id,
        minutes,
    )
    return [_progress(r) for r in rows]

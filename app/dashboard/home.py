"""What the home page shows: invitations by status across open jobs, the latest results, the
open jobs with the most recent activity, and (for admins) webhook deliveries needing attention."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from app import db
from app.invitations.cards import Card, recent_results
from app.webhooks.statuses import DeliveryStatus

ATTENTION = (DeliveryStatus.DEAD, DeliveryStatus.FAILED)


@dataclass
class Home:
    counts: dict[str, int]
    recent: list[Card]
    jobs: list[Any]
    attention_total: int = 0
    attention: list[Any] = field(default_factory=list)


async def home(organisation_id: uuid.UUID, is_admin: bool, recent: int = 6) -> Home:
    counts = await db.fetch(
        """SELECT i.status, count(*) AS n FROM invitation i JOIN job j ON j.id = i.job_id
           WHERE i.organisation_id = $1 AND j.status = 'open' GROUP BY i.status""",
        organisation_id,
    )
    latest = await recent_results(organisation_id, recent)
    jobs = await db.fetch(
        """SELECT j.id, j.title, j.department,
                  (SELECT count(*) FROM application a WHERE a.job_id = j.id) AS candidates,
                  (SELECT count(*) FROM invitation i WHERE i.job_id = j.id
                     AND i.status IN ('invited', 'pending', 'partial')) AS waiting,
                  (SELECT count(*) FROM invitation i WHERE i.job_id = j.id
                     AND i.status = 'complete') AS complete
           FROM job j WHERE j.organisation_id = $1 AND j.status = 'open'
           ORDER BY j.updated_at DESC LIMIT 6""",
        organisation_id,
    )
    page = Home({r["status"]: r["n"] for r in counts}, latest, jobs)
    if is_admin:
        attention = await db.fetch(
            """SELECT id, event_type, status, attempts, last_error, received_at,
                      count(*) OVER () AS total
               FROM webhook_delivery
               WHERE organisation_id = $1 AND status = ANY($2::text[])
               ORDER BY received_at DESC LIMIT 5""",
            organisation_id,
            list(ATTENTION),
        )
        page.attention = attention
        page.attention_total = attention[0]["total"] if attention else 0
    return page

"""The timeline of an invitation: every event that touched it, and the live announcement that
tells dashboards to re-render its card."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app import db

UPDATES_CHANNEL = "hirewire_updates"


async def add_event(
    organisation_id: uuid.UUID,
    invitation_id: uuid.UUID,
    kind: str,
    message: str = "",
    detail: dict[str, Any] | None = None,
    delivery_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> None:
    """Record one timeline event (inside the caller's transaction, if any)."""
    await db.fetch(
        """INSERT INTO invitation_event
             (organisation_id, invitation_id, kind, message, detail, delivery_id, actor_user_id)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)""",
        organisation_id,
        invitation_id,
        kind,
        message[:2000],
        detail or {},
        delivery_id,
        actor_user_id,
    )


async def add_events(
    organisation_id: uuid.UUID,
    invitation_ids: list[uuid.UUID],
    kind: str,
    message: str = "",
    actor_user_id: uuid.UUID | None = None,
) -> None:
    """The same event on many invitations in one statement (a bulk invite)."""
    await db.fetch(
        """INSERT INTO invitation_event
             (organisation_id, invitation_id, kind, message, detail, actor_user_id)
           SELECT $1, i, $3, $4, '{}'::jsonb, $5 FROM unnest($2::uuid[]) AS i""",
        organisation_id,
        invitation_ids,
        kind,
        message[:2000],
        actor_user_id,
    )


def announcement(
    organisation_id: uuid.UUID, job_id: uuid.UUID, invitation_id: uuid.UUID, event: str = "card"
) -> str:
    """The payload `announce` sends (ids only), for callers that notify within a statement."""
    payload = {
        "org": str(organisation_id),
        "job": str(job_id),
        "invitation": str(invitation_id),
        "event": event,
    }
    return json.dumps(payload, separators=(",", ":"))


async def announce(
    organisation_id: uuid.UUID, job_id: uuid.UUID, invitation_id: uuid.UUID, event: str = "card"
) -> None:
    """pg_notify the change (ids only) inside the caller's transaction: listeners hear it only
    once it commits, so a dashboard never renders a state that was rolled back."""
    await db.fetch(
        "SELECT pg_notify($1, $2)",
        UPDATES_CHANNEL,
        announcement(organisation_id, job_id, invitation_id, event),
    )


async def announce_many(
    organisation_id: uuid.UUID, job_id: uuid.UUID, invitation_ids: list[uuid.UUID]
) -> None:
    """`announce` for many invitations in one statement."""
    await db.fetch(
        "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
        UPDATES_CHANNEL,
        [announcement(organisation_id, job_id, i) for i in invitation_ids],
    )

"""The JSON API of the delivery log: list deliveries, replay one (Bearer token, admins only)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.web.client_address import client_ip
from app.webhooks import service


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "provider": row["provider"],
        "event_type": row["event_type"],
        "status": row["status"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "invitation_id": str(row["invitation_id"]) if row["invitation_id"] else None,
        "received_at": row["received_at"].isoformat(),
        "processed_at": row["processed_at"].isoformat() if row["processed_at"] else None,
    }


@get("/webhook-deliveries", name="api_deliveries")
async def list_deliveries(
    user: NamedDependency[CurrentUser],
    status: FromQuery[str] = "",
    event_type: FromQuery[str] = "",
    page: FromQuery[int] = 1,
) -> dict[str, Any]:
    """Webhook deliveries, newest first, 50 a page; filter by status and event type."""
    listing = await service.list_deliveries(user.organisation_id, status, event_type, page)
    return {
        "deliveries": [_public(r) for r in listing.rows],
        "page": listing.page,
        "has_more": listing.has_more,
    }


@post(
    "/webhook-deliveries/{delivery_id:uuid}/replay",
    name="api_delivery_replay",
    status_code=202,
)
async def replay_delivery(
    request: Request[Any, Any, Any],
    user: NamedDependency[CurrentUser],
    delivery_id: FromPath[uuid.UUID],
) -> dict[str, Any]:
    """Process a delivery again (safe: processing is idempotent). Rejected ones cannot be."""
    if await service.get_delivery(user.organisation_id, delivery_id) is None:
        raise NotFoundException("No such delivery.")
    queued = await service.replay(user.organisation_id, [delivery_id])
    if queued:
        await record_audit(
            user, "webhook_replayed", "webhook_delivery", str(delivery_id), ip=client_ip(request)
        )
    return {"id": str(delivery_id), "queued": bool(queued)}


ADMIN_ROUTES = [list_deliveries, replay_delivery]

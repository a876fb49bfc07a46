"""The delivery log pages (admins): the list with filters, one delivery in detail, replays."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, Parameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.web.client_address import client_ip
from app.webhooks import service
from app.webhooks.tables import DELIVERY_STATUSES

MAX_REPLAY = 500
NOTICES = {
    "replayed": "The delivery is queued for processing again.",
    "nothing": "Nothing to replay: select deliveries that are not rejected.",
}


@get("/deliveries", name="deliveries")
async def deliveries_page(
    user: NamedDependency[CurrentUser],
    status: FromQuery[str] = "",
    event_type: FromQuery[str] = "",
    page: FromQuery[int] = 1,
    notice: FromQuery[str] = "",
    count: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> Template:
    org = user.organisation_id
    listing = await service.list_deliveries(org, status, event_type, page)
    return Template(
        "webhooks/deliveries.html",
        context={
            "listing": listing,
            "counts": await service.status_counts(org),
            "event_types": await service.event_types(org),
            "statuses": DELIVERY_STATUSES,
            "notice": f"{count} deliveries are queued for processing again."
            if notice == "replayed_many"
            else NOTICES.get(notice, ""),
        },
    )


@get("/deliveries/{delivery_id:uuid}", name="delivery")
async def delivery_page(
    user: NamedDependency[CurrentUser],
    delivery_id: FromPath[uuid.UUID],
    notice: FromQuery[str] = "",
) -> Template:
    delivery = await service.get_delivery(user.organisation_id, delivery_id)
    if delivery is None:
        raise NotFoundException("No such delivery.")
    return Template(
        "webhooks/delivery.html",
        context={"d": delivery, "notice": NOTICES.get(notice, "")},
    )


async def _replay(request: HTMXRequest, user: CurrentUser, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    queued = await service.replay(user.organisation_id, ids)
    for delivery_id in queued:
        await record_audit(
            user, "webhook_replayed", "webhook_delivery", str(delivery_id), ip=client_ip(request)
        )
    return queued


@post("/deliveries/{delivery_id:uuid}/replay", name="delivery_replay")
async def replay_one(
    request: HTMXRequest, user: NamedDependency[CurrentUser], delivery_id: FromPath[uuid.UUID]
) -> Redirect:
    if await service.get_delivery(user.organisation_id, delivery_id) is None:
        raise NotFoundException("No such delivery.")
    queued = await _replay(request, user, [delivery_id])
    return Redirect(
        request.app.route_reverse("delivery", delivery_id=delivery_id)
        + f"?notice={'replayed' if queued else 'nothing'}"
    )


def _ids(form: Any) -> list[uuid.UUID]:
    raw = form.getall("ids", []) if hasattr(form, "getall") else form.get("ids", [])
    if isinstance(raw, str):
        raw = [raw]
    if len(raw) > MAX_REPLAY:  # refused whole: replaying the first 500 would be half the request
        raise ValidationException(f"Replay at most {MAX_REPLAY} deliveries at once.")
    ids = []
    for value in raw:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            raise ValidationException(f"{value!r} is not a delivery id.") from None
    return ids


@post("/deliveries/replay", name="deliveries_replay")
async def replay_selected(request: HTMXRequest, user: NamedDependency[CurrentUser]) -> Redirect:
    ids = _ids(await request.form())
    queued = await _replay(request, user, ids) if ids else []
    if not queued:
        return Redirect(request.app.route_reverse("deliveries") + "?notice=nothing")
    return Redirect(
        request.app.route_reverse("deliveries") + f"?notice=replayed_many&count={len(queued)}"
    )


ADMIN_ROUTES = [deliveries_page, delivery_page, replay_one, replay_selected]

"""The delivery log: listing, reading and replaying an organisation's webhook deliveries.
Replaying is safe because processing is idempotent; each replay is audited."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.invitations.cards import candidate_name
from app.providers.registry import move_event_types
from app.queue import service as queue
from app.webhooks.inbox import PROCESS_KIND
from app.webhooks.tables import DELIVERY_STATUSES

PAGE_SIZE = 50
NAME_COLUMNS = """a.title AS assessment_title, i.candidate_id, c.first_name, c.last_name,
    c.email, c.erased_at"""
LIST_COLUMNS = f"""d.id, d.provider, d.event_type, d.status, d.attempts, d.last_error,
    d.invitation_id, d.received_at, d.processed_at, d.request_id, d.duplicates,
    d.last_duplicate_at, d.assessment_id, {NAME_COLUMNS}"""
# A delivery with its assessment and, once matched, its invitation's candidate.
LIST_FROM = """webhook_delivery d
    LEFT JOIN assessment a ON a.id = d.assessment_id AND a.organisation_id = d.organisation_id
    LEFT JOIN invitation i ON i.id = d.invitation_id AND i.organisation_id = d.organisation_id
    LEFT JOIN candidate c ON c.id = i.candidate_id AND c.organisation_id = d.organisation_id"""


def _with_names(row: Any) -> dict[str, Any]:
    found = dict(row)
    found["candidate"] = (
        candidate_name(row["first_name"], row["last_name"], row["email"], row["erased_at"])
        if row["candidate_id"]
        else None
    )
    return found


@dataclass(frozen=True)
class DeliveryPage:
    rows: list[dict[str, Any]]
    page: int
    has_more: bool
    status: str
    event_type: str


def clean_status(status: str | None) -> str:
    return status if status in DELIVERY_STATUSES else ""


async def list_deliveries(
    organisation_id: uuid.UUID, status: str = "", event_type: str = "", page: int = 1
) -> DeliveryPage:
    status, page = clean_status(status), min(max(1, page), 100_000)  # OFFSET fits a bigint
    rows = await db.fetch(
        f"""SELECT {LIST_COLUMNS} FROM {LIST_FROM}
            WHERE d.organisation_id = $1 AND ($2 = '' OR d.status = $2)
              AND ($3 = '' OR d.event_type = $3)
            ORDER BY d.received_at DESC, d.id LIMIT $4 OFFSET $5""",
        organisation_id,
        status,
        event_type.replace("\x00", "")[:200],  # PostgreSQL text cannot hold NUL
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    found = [_with_names(r) for r in rows]
    return DeliveryPage(found[:PAGE_SIZE], page, len(found) > PAGE_SIZE, status, event_type)


async def status_counts(organisation_id: uuid.UUID) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT status, count(*) AS n FROM webhook_delivery WHERE organisation_id = $1 "
        "GROUP BY status",
        organisation_id,
    )
    return {r["status"]: r["n"] for r in rows}


async def event_types(organisation_id: uuid.UUID) -> list[str]:
    rows = await db.fetch(
        "SELECT DISTINCT event_type FROM webhook_delivery WHERE organisation_id = $1 "
        "AND event_type <> '' ORDER BY 1 LIMIT 50",
        organisation_id,
    )
    return [r["event_type"] for r in rows]


async def get_delivery(organisation_id: uuid.UUID, delivery_id: uuid.UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(
        f"""SELECT d.*, {NAME_COLUMNS} FROM {LIST_FROM}
            WHERE d.organisation_id = $1 AND d.id = $2""",
        organisation_id,
        delivery_id,
    )
    if row is None:
        return None
    delivery = _with_names(row)
    delivery["headers"] = _json(delivery["headers"]) or {}
    payload = _json(delivery["payload"])
    delivery["payload_pretty"] = (
        json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True)
        if payload is not None
        else None
    )
    body = delivery.pop("body", None)
    delivery["body_text"] = bytes(body).decode("utf-8", errors="replace") if body else None
    done = delivery["processed_at"]
    delivery["seconds_to_process"] = (
        (done - delivery["received_at"]).total_seconds() if done is not None else None
    )
    delivery["jobs"] = [
        dict(r)
        for r in await db.fetch(
            """SELECT id, status, attempts, max_attempts, last_error, run_at, created_at,
                      finished_at, payload->>'recheck' AS recheck
               FROM queue_job WHERE kind = $1 AND payload->>'delivery_id' = $2
               ORDER BY id""",
            PROCESS_KIND,
            str(delivery_id),
        )
    ]
    delivery["events"] = [
        dict(r)
        for r in await db.fetch(
            "SELECT kind, message, at, invitation_id FROM invitation_event "
            "WHERE delivery_id = $1 AND organisation_id = $2 ORDER BY id",
            delivery_id,
            organisation_id,
        )
    ]
    return delivery


async def replay(organisation_id: uuid.UUID, delivery_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Queue the deliveries for processing again; returns the ids that were queued (rejected
    ones have nothing to process, other organisations' ids are not touched)."""
    async with db.transaction():
        rows = await db.fetch(
            """UPDATE webhook_delivery SET status = 'received', last_error = ''
               WHERE organisation_id = $1 AND id = ANY($2) AND status <> 'rejected'
               RETURNING id""",
            organisation_id,
            delivery_ids,
        )
        queued = [r["id"] for r in rows]
        await queue.enqueue_many(
            PROCESS_KIND,
            [{"delivery_id": str(d)} for d in queued],
            organisation_id,
            dedupe_keys=[f"delivery:{d}" for d in queued],
        )
    return queued


async def unapplied_moves(
    organisation_id: uuid.UUID, candidate_key: str, assessment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Pipeline moves reported for a candidate that could not be applied (dead, or failing and
    retried), by assessment. The provider has no API to read moves back, so these are the
    only trace of a stage the page may be missing; a replay applies them.

    Such a delivery usually has no invitation linked (the candidate was unknown when it
    arrived) and its error text names nobody, so it is found by the assessment of the
    endpoint that received it and the keyed hash of the email it names (`candidate_key`, see
    SecretBox.candidate_key): recognisable from the candidate's current email, never stored
    in clear, and cleared with the rest when the candidate is erased."""
    rows = await db.fetch(
        """SELECT id, assessment_id, status, received_at FROM webhook_delivery
           WHERE organisation_id = $1 AND candidate_key = $2 AND assessment_id = ANY($3::uuid[])
             AND status IN ('dead', 'failed') AND event_type = ANY($4::text[])
           ORDER BY received_at""",
        organisation_id,
        candidate_key,
        assessment_ids,
        list(move_event_types()),
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["assessment_id"], []).append(dict(row))
    return found


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value

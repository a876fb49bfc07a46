"""The sandbox's state: flows and interviews per team (one team per API key), and the knobs."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from app import db
from app.providers.ribbon.sandbox import knobs as knob_rules
from app.providers.ribbon.sandbox.knobs import Knobs

COUNTERS = frozenset({"drop_next", "api_error_next"})
TEAM_NAMESPACE = uuid.UUID("6a1f3c2e-5b9d-4e0a-8c7f-2d4b6e8a0c11")


def team_for(api_key: str) -> uuid.UUID:
    """Ribbon scopes everything to the team that owns the key; the sandbox derives one."""
    return uuid.uuid5(TEAM_NAMESPACE, api_key)


# Knobs


async def global_knobs() -> dict[str, Any]:
    stored = await db.fetchval("SELECT knobs FROM sandbox_knobs WHERE id = 1")
    return dict(stored or {})


async def set_global_knobs(changes: Mapping[str, Any], replace: bool = False) -> dict[str, Any]:
    async with db.transaction():
        await db.fetch("INSERT INTO sandbox_knobs (id) VALUES (1) ON CONFLICT (id) DO NOTHING")
        current = await db.fetchval("SELECT knobs FROM sandbox_knobs WHERE id = 1 FOR UPDATE")
        merged = knob_rules.merge({} if replace else current or {}, changes)
        await db.fetch(
            "UPDATE sandbox_knobs SET knobs = $1::jsonb, updated_at = now() WHERE id = 1", merged
        )
    return merged


async def set_flow_knobs(
    flow_id: str, changes: Mapping[str, Any], replace: bool = False
) -> dict[str, Any] | None:
    async with db.transaction():
        current = await db.fetchval(
            "SELECT knobs FROM sandbox_flow WHERE id = $1 FOR UPDATE", flow_id
        )
        if current is None:
            return None
        merged = knob_rules.merge({} if replace else current, changes)
        await db.fetch("UPDATE sandbox_flow SET knobs = $2::jsonb WHERE id = $1", flow_id, merged)
    return merged


async def flow_api_knobs(flow_id: str) -> Knobs:
    """A flow's own API-error knobs (the global ones already had their chance in the guard)."""
    flow = await db.fetchval("SELECT knobs FROM sandbox_flow WHERE id = $1", flow_id)
    inherited = {k: v for k, v in (await global_knobs()).items() if not k.startswith("api_error")}
    return knob_rules.effective(inherited, flow or {})


async def knobs_for(flow_id: str | None = None) -> Knobs:
    flow = {}
    if flow_id:
        flow = await db.fetchval("SELECT knobs FROM sandbox_flow WHERE id = $1", flow_id)
    return knob_rules.effective(await global_knobs(), flow or {})


async def take(name: str, flow_id: str | None = None, global_too: bool = True) -> bool:
    """Count down a "next N" knob (the flow's first, then the global one); True if it fired."""
    if name not in COUNTERS:
        raise ValueError(f"{name} is not a counting knob")  # it is spliced into the SQL
    if flow_id:
        fired = await db.fetchval(
            f"""UPDATE sandbox_flow SET knobs = jsonb_set(knobs, '{{{name}}}',
                   to_jsonb((knobs->>'{name}')::int - 1))
                WHERE id = $1 AND coalesce((knobs->>'{name}')::int, 0) > 0 RETURNING true""",
            flow_id,
        )
        if fired or not global_too:
            return bool(fired)
    fired = await db.fetchval(
        f"""UPDATE sandbox_knobs SET knobs = jsonb_set(knobs, '{{{name}}}',
               to_jsonb((knobs->>'{name}')::int - 1))
            WHERE id = 1 AND coalesce((knobs->>'{name}')::int, 0) > 0 RETURNING true"""
    )
    return bool(fired)


# Flows


async def create_flow(team_id: uuid.UUID, spec: Mapping[str, Any]) -> str:
    for _ in range(5):
        flow_id = secrets.token_hex(4)  # Ribbon's flow ids are short strings like "d1a104e7"
        try:
            await db.fetch(
                "INSERT INTO sandbox_flow (id, team_id, spec) VALUES ($1, $2, $3::jsonb)",
                flow_id,
                team_id,
                dict(spec),
            )
            return flow_id
        except asyncpg.UniqueViolationError:
            continue
    raise RuntimeError("could not find a free flow id")


def flow_json(row: asyncpg.Record) -> dict[str, Any]:
    return {"interview_flow_id": row["id"], "team_id": str(row["team_id"]), **row["spec"]}


async def get_flow(flow_id: str, team_id: uuid.UUID | None = None) -> asyncpg.Record | None:
    row = await db.fetchrow("SELECT * FROM sandbox_flow WHERE id = $1", flow_id)
    if row is None or (team_id is not None and row["team_id"] != team_id):
        return None
    return row


async def list_flows(team_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await db.fetch(
        """SELECT * FROM sandbox_flow WHERE team_id = $1
           ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3""",
        team_id,
        limit,
        offset,
    )


# Interviews


async def create_interview(
    flow: asyncpg.Record, person: Mapping[str, str | None], base_url: str
) -> tuple[str, str]:
    interview_id = str(uuid.uuid4())
    token = str(uuid.uuid4())
    link = f"{base_url.rstrip('/')}/sandbox/interview/{interview_id}/{token}"
    await db.fetch(
        """INSERT INTO sandbox_interview (id, flow_id, team_id, link_token, interview_link,
               email, first_name, last_name, assigned_recruiter_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        interview_id,
        flow["id"],
        flow["team_id"],
        token,
        link,
        person.get("interviewee_email_address"),
        person.get("interviewee_first_name"),
        person.get("interviewee_last_name"),
        person.get("assigned_recruiter_id"),
    )
    return interview_id, link


async def get_interview(
    interview_id: str, team_id: uuid.UUID | None = None
) -> asyncpg.Record | None:
    row = await db.fetchrow("SELECT * FROM sandbox_interview WHERE id = $1", interview_id)
    if row is None or (team_id is not None and row["team_id"] != team_id):
        return None
    return row


async def list_interviews(
    team_id: uuid.UUID, status: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await db.fetch(
        """SELECT * FROM sandbox_interview WHERE team_id = $1 AND ($2::text IS NULL OR status = $2)
           ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4""",
        team_id,
        status,
        limit,
        offset,
    )


def interview_json(row: asyncpg.Record, now: dt.datetime | None = None) -> dict[str, Any]:
    """Ribbon's `GET /v1/interviews/{id}` shape; the video URL shows once the video is ready."""
    now = now or dt.datetime.now(dt.UTC)
    data = row["interview_data"]
    if data is not None:
        data = dict(data)
        ready = row["video_ready_at"] is not None and row["video_ready_at"] <= now
        data["video_url"] = row["video_url"] if ready else None
    return {
        "interview_flow_id": row["flow_id"],
        "interview_id": row["id"],
        "team_id": str(row["team_id"]),
        "status": row["status"],
        "interview_data": data if row["status"] == "completed" else None,
    }


async def deliveries(
    interview_id: str | None = None, flow_id: str | None = None
) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT id, flow_id, interview_id, event_type, url, body, status, attempts, max_attempts,
                  next_attempt_at, last_status_code, last_error, created_at, delivered_at
           FROM sandbox_delivery
           WHERE ($1::text IS NULL OR interview_id = $1) AND ($2::text IS NULL OR flow_id = $2)
           ORDER BY id""",
        interview_id,
        flow_id,
    )
    out = []
    for row in rows:
        item = dict(row)
        item["payload"] = json.loads(bytes(item.pop("body")))
        for key in ("next_attempt_at", "created_at", "delivered_at"):
            item[key] = item[key].isoformat() if item[key] else None
        out.append(item)
    return out


async def recent_interviews(limit: int) -> list[asyncpg.Record]:
    return await db.fetch(
        """SELECT i.id, i.status, i.email, i.first_name, i.last_name, i.interview_link,
                  i.created_at, i.completed_at, f.spec->>'title' AS flow_title
           FROM sandbox_interview i JOIN sandbox_flow f ON f.id = i.flow_id
           ORDER BY i.created_at DESC LIMIT $1""",
        limit,
    )

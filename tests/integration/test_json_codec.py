"""json and jsonb go in and come out as Python objects, once: through the raw pool, through
Piccolo's queries (which serialise JSONB columns themselves) and on a connection of its own."""

from __future__ import annotations

import json

from app import db
from app.audit.tables import AuditEvent

DETAIL = {"ok": True, "n": 3, "name": "Zoë", "nested": {"list": [1, None, "x"]}}
ITEMS = [{"question": "Why?"}, 2, "three"]


async def stored(action: str) -> tuple[str, object]:
    row = await db.fetchrow(
        "SELECT jsonb_typeof(detail) AS kind, detail FROM audit_event WHERE action = $1", action
    )
    assert row is not None
    return row["kind"], row["detail"]


async def test_raw_sql_round_trips_a_dict_and_a_list(clean_db):
    for action, value in (("dict", DETAIL), ("list", ITEMS)):
        await db.fetch(
            "INSERT INTO audit_event (actor_label, action, detail) VALUES ('t', $1, $2)",
            action,
            value,
        )
    assert await stored("dict") == ("object", DETAIL)
    assert await stored("list") == ("array", ITEMS)
    # JSON text already serialised (a request body kept as it came) is stored as that JSON
    await db.fetch(
        "INSERT INTO audit_event (actor_label, action, detail) VALUES ('t', 'text', $1::jsonb)",
        json.dumps(DETAIL),
    )
    assert await stored("text") == ("object", DETAIL)
    # in a jsonb[] a Python list would be read as a dimension of the array: pass it as text
    both = [DETAIL, json.dumps(ITEMS)]
    assert await db.fetchval("SELECT $1::jsonb[]", both) == [DETAIL, ITEMS]
    assert await db.fetchval("SELECT json_build_object('a', 1)") == {"a": 1}
    assert await db.fetchval("SELECT '[1,2]'::jsonb::text") == "[1, 2]"


async def test_piccolo_round_trips_a_dict_and_a_list_without_encoding_twice(clean_db):
    for action, value in (("dict", DETAIL), ("list", ITEMS)):
        await AuditEvent.insert(AuditEvent(actor_label="t", action=action, detail=value))
    assert await stored("dict") == ("object", DETAIL)
    assert await stored("list") == ("array", ITEMS)

    rows = await AuditEvent.select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
    assert [(r["action"], r["detail"]) for r in rows] == [("dict", DETAIL), ("list", ITEMS)]
    found = await AuditEvent.objects().where(AuditEvent.action == "dict").first()
    assert found is not None
    assert found.detail == DETAIL

    await AuditEvent.update({AuditEvent.detail: ITEMS}).where(AuditEvent.action == "dict")
    assert await stored("dict") == ("array", ITEMS)


async def test_a_connection_outside_the_pool_decodes_the_same(clean_db):
    conn = await db.engine().get_new_connection()
    try:
        assert await conn.fetchval("SELECT $1::jsonb", DETAIL) == DETAIL
    finally:
        await conn.close()

"""Retention: raw webhook payloads older than RAW_PAYLOAD_RETENTION_DAYS are redacted by the
periodic "retention" job, only once their delivery is finished; processed results stay."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

from app import db
from app.privacy.retention import retention
from app.queue import service as queue
from app.queue.periodic import Periodic, periodic_jobs
from app.queue.registry import HANDLERS
from app.queue.service import Job
from app.queue.worker import run_until_idle
from app.settings import Settings
from tests.factories import make_assessment, make_invitation, make_org


async def delivery(org: uuid.UUID, status: str, age_days: float, **extra: Any) -> uuid.UUID:
    return await db.fetchval(
        """INSERT INTO webhook_delivery (organisation_id, provider, idempotency_key, status,
               headers, payload, body, received_at, redacted_at)
           VALUES ($1, 'ribbon', $2, $3, '{"user-agent": "Ribbon"}', $4::jsonb, $5,
                   now() - make_interval(days => $6), $7) RETURNING id""",
        org,
        uuid.uuid4().hex,
        status,
        json.dumps({"interviewee_email_address": "old@example.com"}),
        b"raw" if status == "rejected" else None,
        age_days,
        extra.get("redacted_at"),
    )


async def result(org: uuid.UUID, age_days: float) -> uuid.UUID:
    assessment = await make_assessment(org)
    inv = await make_invitation(assessment, status="complete")
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary,
               scores, raw_payload, fetched_at, updated_at)
           VALUES ($1, $2, 'completed', 'A summary', '{"skills": {"key": "skills", "value": 3}}',
                   '{"interview_data": {"transcript": "hello"}}',
                   now() - make_interval(days => $3), now() - make_interval(days => $3))""",
        inv.id,
        org,
        age_days,
    )
    return inv.id


async def state(delivery_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        "SELECT status, headers, payload, body, redacted_at FROM webhook_delivery WHERE id = $1",
        delivery_id,
    )
    assert row is not None
    return dict(row)


def redacted(row: dict[str, Any]) -> bool:
    return (
        row["payload"] is None
        and row["body"] is None
        and row["headers"] == {}
        and row["redacted_at"] is not None
    )


async def test_retention_redacts_old_finished_payloads_only_and_keeps_results(
    settings: Settings, clean_db: None
) -> None:
    assert settings.raw_payload_retention_days == 30
    org = await make_org()
    old_done = {s: await delivery(org, s, 31) for s in ("processed", "ignored", "rejected", "dead")}
    old_waiting = {s: await delivery(org, s, 31) for s in ("received", "processing", "failed")}
    recent = await delivery(org, "processed", 29)
    old_result, recent_result = await result(org, 31), await result(org, 2)

    job_id = await queue.enqueue("retention", {})
    assert job_id is not None
    await run_until_idle(settings, kinds=["retention"])
    assert await db.fetchval("SELECT status FROM queue_job WHERE id = $1", job_id) == "done"

    for status, delivery_id in old_done.items():
        row = await state(delivery_id)
        assert redacted(row), status
        assert row["status"] == status  # the log still shows what happened
    for status, delivery_id in [*old_waiting.items(), ("recent", recent)]:
        row = await state(delivery_id)
        assert row["payload"] is not None, status
        assert row["redacted_at"] is None, status
    old = await db.fetchrow("SELECT * FROM assessment_result WHERE invitation_id = $1", old_result)
    assert old is not None
    assert old["raw_payload"] is None
    assert old["summary"] == "A summary"
    assert old["scores"]["skills"]["value"] == 3
    assert await db.fetchval(
        "SELECT raw_payload IS NOT NULL FROM assessment_result WHERE invitation_id = $1",
        recent_result,
    )

    audit = await db.fetch("SELECT * FROM audit_event WHERE action = 'retention_redacted'")
    assert len(audit) == 1
    assert audit[0]["organisation_id"] == org
    assert audit[0]["actor_label"] == "system"
    assert audit[0]["detail"] == {
        "webhook_payloads": 4,
        "raw_results": 1,
        "older_than_days": 30,
    }

    # A second run finds nothing more and records nothing.
    await queue.enqueue("retention", {})
    await run_until_idle(settings, kinds=["retention"])
    assert await db.fetchval("SELECT count(*) FROM audit_event") == 1


async def test_retention_follows_the_setting_and_runs_periodically(
    settings: Settings, clean_db: None
) -> None:
    assert "retention" in HANDLERS
    assert Periodic("retention", 3600) in periodic_jobs(settings)
    org = await make_org()
    week_old, days_old = await delivery(org, "processed", 8), await delivery(org, "processed", 6)
    # A job leased to this test (so no other worker of the session can take it).
    row = await db.fetchrow(
        """INSERT INTO queue_job (kind, status, attempts, lease_token, lease_until)
           VALUES ('retention', 'running', 1, gen_random_uuid(), now() + interval '5 minutes')
           RETURNING id, lease_token"""
    )
    assert row is not None
    job = Job(row["id"], "retention", {}, 1, 3, row["lease_token"], None)
    context = SimpleNamespace(settings=settings.with_(raw_payload_retention_days=7))
    await retention(job, context)
    assert redacted(await state(week_old))
    assert not redacted(await state(days_old))
    assert await db.fetchval("SELECT status FROM queue_job WHERE id = $1", job.id) == "done"

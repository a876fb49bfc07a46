"""Helpers for the webhook tests: captured payloads signed fresh, posting them, and running the
queue until nothing is due."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import db, embedded_db
from app.providers.ribbon.webhooks import sign
from app.queue import service as queue
from app.queue.worker import Worker
from app.web.timing import instrument_connection

PAYLOADS = Path(__file__).resolve().parent / "payloads" / "ribbon"


# Why a database of their own: a `serve` subprocess started by another test (the session's
# live_server) runs a worker that would claim these tests' jobs and answer them with its own
# provider. The webhook tests run against a second database on the same server instead.


@pytest.fixture(scope="session")
def webhook_database(test_database: Any) -> Iterator[Any]:
    name = f"{test_database.name}_wh"
    dsn = asyncio.run(embedded_db.ensure_database(test_database.server_dsn, name))
    subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        env={
            **os.environ,
            "DATABASE_URL": dsn,
            "SECRET_KEY": "x" * 32,
            "LOG_LEVEL": "WARNING",
            "SANDBOX_ENABLED": "1",
        },
        check=True,
        capture_output=True,
        timeout=120,
    )
    yield replace(test_database, dsn=dsn, name=name)
    try:
        asyncio.run(embedded_db.drop_database(test_database.server_dsn, name))
    except Exception as exc:
        print(f"could not drop {name}: {exc}", file=sys.stderr)


@pytest.fixture
async def wh_settings(webhook_database: Any, pool: None) -> AsyncIterator[Any]:
    """Settings and the global pool pointed at the webhook tests' database for one test."""
    import tempfile

    from app.settings import Settings
    from tests.conftest import TEST_SECRET_KEY, truncate_all

    settings = Settings.from_env(
        {
            "DATABASE_URL": webhook_database.dsn,
            "SECRET_KEY": TEST_SECRET_KEY,
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "HIREWIRE_DATA_DIR": str(Path(tempfile.gettempdir()) / "hirewire-test-data"),
            "LOG_LEVEL": "WARNING",
        }
    )

    shared = db.current_dsn()
    await db.close_pool()
    db.configure(webhook_database.dsn)
    await db.start_pool(max_size=10, init=instrument_connection)
    try:
        yield settings
    finally:
        await truncate_all()
        await db.close_pool()
        db.configure(shared)
        await db.start_pool(max_size=10, init=instrument_connection)


@pytest.fixture
async def wh_client(wh_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    from tests.conftest import app_client

    async with app_client(wh_settings) as c:
        yield c


def payload(name: str, **changes: object) -> bytes:
    raw = (PAYLOADS / f"{name}.json").read_bytes()
    if not changes:
        return raw
    data = json.loads(raw)
    data.update(changes)
    return json.dumps(data).encode()


def event_body(event_type: str, interview_id: str, flow_id: str = "f1", **extra: Any) -> bytes:
    return json.dumps(
        {
            "event_type": event_type,
            "interview_flow_id": flow_id,
            "interview_id": interview_id,
            "status": "completed",
            **extra,
        }
    ).encode()


def move_body(flow_id: str, email: str, previous: str, new: str) -> bytes:
    return json.dumps(
        {
            "event_type": "candidate_status_updated",
            "interview_flow_id": flow_id,
            "interviewee_email": email,
            "previous_status": previous,
            "new_status": new,
        }
    ).encode()


async def post(client: Any, token: str, body: bytes, secret: str | None, **headers: str) -> Any:
    sent = {"content-type": "application/json", **headers}
    if secret is not None:
        sent["x-ribbon-signature"] = sign(body, secret)
    return await client.post(f"/webhooks/ribbon/{token}", content=body, headers=sent)


async def drain(settings: Any, resources: dict[str, Any] | None = None, rounds: int = 50) -> int:
    """Run every due job (and what they enqueue that is due) in this process."""
    worker = Worker(settings)
    worker.context.resources.update(resources or {})
    ran = 0
    for _ in range(rounds):
        jobs = await queue.claim(worker.concurrency, None, worker.lease_seconds)
        if not jobs:
            break
        await worker.run_jobs(jobs)  # batches where the kind allows, as the claim loop runs them
        ran += len(jobs)
    for resource in worker.context.resources.values():
        closer = getattr(resource, "aclose", None)
        if closer is not None and resources is None:
            await closer()
    return ran


async def make_due() -> None:
    """Bring every queued job's time forward, as if its backoff had passed."""
    await db.fetch("UPDATE queue_job SET run_at = now() WHERE status = 'queued'")


async def invitation_state(invitation_id: Any) -> dict[str, Any]:
    row = await db.fetchrow(
        """SELECT i.status, i.missing, i.overall_score, i.provider_stage, i.completed_at,
                  r.provider_status, r.summary, r.scores, r.video_url, r.audio_url,
                  jsonb_array_length(r.transcript) AS segments
           FROM invitation i LEFT JOIN assessment_result r ON r.invitation_id = i.id
           WHERE i.id = $1""",
        invitation_id,
    )
    assert row is not None
    return dict(row)


async def timeline(invitation_id: Any) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT kind, message FROM invitation_event WHERE invitation_id = $1 ORDER BY id",
        invitation_id,
    )
    return [(r["kind"], r["message"]) for r in rows]


class FakeRibbon:
    """A provider with programmable truth (a Ribbon GET /v1/interviews/{id} body per id) and
    failures, for tests that must not depend on the sandbox's timing."""

    name = "ribbon"

    def __init__(self) -> None:
        self.truth: dict[str, dict[str, Any]] = {}
        self.failures: list[Exception] = []
        self.calls = 0

    def complete(self, interview_id: str, video: bool = True, **data: Any) -> None:
        base = json.loads((PAYLOADS / "get_interview_completed.json").read_text())
        base["interview_id"] = interview_id
        base["interview_data"]["video_url"] = (
            f"https://example.com/video/{interview_id}.mp4" if video else None
        )
        base["interview_data"].update(data)
        self.truth[interview_id] = base

    async def get_interview(self, interview_id: str) -> Any:
        from app.providers.base import ProviderNotFound
        from app.providers.ribbon.translate import translate_interview

        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        if interview_id not in self.truth:
            if interview_id.startswith("missing"):
                raise ProviderNotFound(f"no interview {interview_id}", status=404)
            return translate_interview(
                {"interview_id": interview_id, "status": "incomplete", "interview_data": None}
            )
        return translate_interview(self.truth[interview_id])

    async def list_interviews(self, status: Any = None) -> Any:
        from app.providers.ribbon.translate import translate_interview

        for raw in list(self.truth.values()):
            yield translate_interview(raw)

    async def aclose(self) -> None:
        return None


class FakeCache:
    def __init__(self, provider: FakeRibbon) -> None:
        self.provider = provider

    async def get(self, organisation_id: Any, name: str, *, fresh: bool = False) -> FakeRibbon:
        return self.provider

    async def aclose(self) -> None:
        return None


def fake_resources(provider: FakeRibbon) -> dict[str, Any]:
    from app.providers.clients import RESOURCE

    return {RESOURCE: FakeCache(provider)}

"""Helpers for the recruiter-side tests: the app in-process talking to the sandbox of the
session's live server over real HTTP, sandbox knobs, quick data set-up, polling for state."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app import db
from app.settings import Settings


def sandbox_key() -> str:
    """The sandbox accepts any UUID-shaped key (and derives a team from it)."""
    return str(uuid.uuid4())


async def set_knobs(live_server: Any, **knobs: Any) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        response = await http.post("/sandbox/api/admin/knobs", json=knobs)
        assert response.status_code == 200, response.text


async def wait_for(
    check: Callable[[], Awaitable[Any]], timeout: float = 60.0, every: float = 0.2
) -> Any:
    """Poll until `check()` is truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(every)
    raise AssertionError(f"gave up waiting; last value: {value!r}")


async def make_job(organisation_id: uuid.UUID, title: str = "Support Engineer") -> uuid.UUID:
    from app.jobs.service import JobInput, create_job

    job: dict[str, Any] = await create_job(organisation_id, JobInput(title=title))
    return uuid.UUID(str(job["id"]))


async def add_people(organisation_id: uuid.UUID, job_id: uuid.UUID, n: int) -> list[uuid.UUID]:
    from app.candidates.csv_import import parse_csv
    from app.candidates.service import import_rows

    text = "email,first_name,last_name\n" + "".join(
        f"person{i}@example.com,Person{i},Test\n" for i in range(n)
    )
    await import_rows(organisation_id, job_id, parse_csv(text))
    # In file order: the rows share one transaction's created_at, so sort by the number in
    # the address rather than by time.
    rows = await db.fetch(
        """SELECT a.candidate_id, c.email FROM application a
           JOIN candidate c ON c.id = a.candidate_id WHERE a.job_id = $1""",
        job_id,
    )
    rows.sort(key=lambda r: int(r["email"].removeprefix("person").split("@")[0]))
    return [r["candidate_id"] for r in rows]


async def statuses(assessment_id: uuid.UUID) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT status, count(*) AS n FROM invitation WHERE assessment_id = $1 GROUP BY status",
        assessment_id,
    )
    return {r["status"]: r["n"] for r in rows}


async def settle(settings: Settings, assessment_id: uuid.UUID, timeout: float = 90.0) -> Any:
    """Run workers here (the live server's worker may help) until nothing is 'sending'."""
    from app.queue.worker import run_until_idle

    async def done() -> dict[str, int] | None:
        await run_until_idle(settings, max_seconds=5)
        counts = await statuses(assessment_id)
        return counts if counts and not counts.get("sending") else None

    return await wait_for(done, timeout=timeout, every=0.3)


async def fetch_one(sql: str, *args: Any) -> Any:
    """One row that must exist (fails the test otherwise)."""
    row = await db.fetchrow(sql, *args)
    assert row is not None, sql
    return row


async def acting_user(account: Any) -> Any:
    from app.accounts.service import user_by_id

    user = await user_by_id(account.user_id)
    assert user is not None
    return user

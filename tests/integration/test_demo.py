"""Demo data: jobs and candidates seeded directly, the assessment made by the worker once
the sandbox answers, some interviews finished at the sandbox, and running it all again
changes nothing."""

from __future__ import annotations

from app import db
from app.demo import seed_demo
from app.queue.worker import run_until_idle
from tests.integration.recruiting import wait_for


async def test_seed_is_idempotent_and_the_worker_creates_the_assessment(
    sandbox_settings, clean_db, live_server
):
    await seed_demo(sandbox_settings)
    await seed_demo(sandbox_settings)
    assert await db.fetchval("SELECT count(*) FROM organisation") == 1
    assert await db.fetchval("SELECT count(*) FROM job") == 2
    assert await db.fetchval("SELECT count(*) FROM candidate") == 12
    assert await db.fetchval("SELECT count(*) FROM application") == 14
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE kind = 'demo_assessment'") == 1

    async def finished() -> bool:
        await db.fetch("UPDATE queue_job SET run_at = now() WHERE status = 'queued'")
        await run_until_idle(sandbox_settings, max_seconds=5)
        rows = await db.fetch("SELECT status, count(*) FROM invitation GROUP BY status")
        return {r["status"]: r["count"] for r in rows} == {
            "complete": 2,
            "partial": 2,
            "invited": 1,
        }

    # A newcomer sees results at once: two complete, two partial (no summary; no video yet),
    # one not taken, each through the real webhook path.
    await wait_for(finished, timeout=90, every=0.5)
    assert await db.fetchval("SELECT status FROM assessment") == "active"
    missing = await db.fetch("SELECT missing FROM invitation WHERE status = 'partial'")
    assert len(missing) == 2
    await seed_demo(sandbox_settings)
    assert await db.fetchval("SELECT count(*) FROM assessment") == 1
    assert await db.fetchval("SELECT count(*) FROM job") == 2

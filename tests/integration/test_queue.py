"""The PostgreSQL job queue: claiming, leases, fencing, retries, dead jobs, shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from app import db
from app.queue import service
from app.queue.registry import HANDLERS, JobKind
from app.queue.service import LeaseLost, PermanentFailure, RetryLater
from app.queue.worker import Worker, run_until_idle

pytestmark = pytest.mark.usefixtures("clean_db")


async def one(sql: str):
    row = await db.fetchrow(sql)
    assert row is not None, sql
    return row


@pytest.fixture
def handlers():
    """Register throwaway job kinds for one test."""
    added: list[str] = []

    def register(name, run, on_failure=None, batch=None):
        HANDLERS[name] = JobKind(name, run, on_failure, batch)
        added.append(name)

    yield register
    for name in added:
        HANDLERS.pop(name, None)


async def test_dedupe_key_allows_one_live_job(pool):
    first = await service.enqueue("t.dedupe", {"n": 1}, dedupe_key="k1")
    second = await service.enqueue("t.dedupe", {"n": 2}, dedupe_key="k1")
    assert first is not None
    assert second is None
    assert await db.fetchval("SELECT count(*) FROM queue_job") == 1


async def test_concurrent_claimers_never_get_the_same_job(pool):
    await service.enqueue_many("t.claim", [{"n": i} for i in range(60)])
    batches = await asyncio.gather(*(service.claim(10, ["t.claim"]) for _ in range(8)))
    ids = [job.id for batch in batches for job in batch]
    assert len(ids) == len(set(ids)) == 60


async def test_expired_lease_is_reclaimed_and_the_late_worker_is_fenced(pool):
    await service.enqueue("t.lease", {})
    (first,) = await service.claim(1, ["t.lease"], lease_seconds=30)
    await db.fetch("UPDATE queue_job SET lease_until = now() - interval '1 second'")
    (second,) = await service.claim(1, ["t.lease"])
    assert second.id == first.id
    assert second.lease_token != first.lease_token
    assert second.attempts == 2

    with pytest.raises(LeaseLost):
        async with service.fenced(first):
            await db.fetch("INSERT INTO audit_event (action) VALUES ('late write')")
    assert await db.fetchval("SELECT count(*) FROM audit_event") == 0
    assert await service.complete(second)
    assert await db.fetchval("SELECT status FROM queue_job") == "done"


async def test_failures_back_off_then_go_dead_with_the_hook_called(pool, settings, handlers):
    seen: list[tuple[str, bool]] = []

    async def always_fails(job, ctx):
        raise RuntimeError("provider exploded")

    async def on_failure(job, error, dead):
        seen.append((error, dead))

    handlers("t.fail", always_fails, on_failure)
    await service.enqueue("t.fail", {}, max_attempts=3)
    for attempt in range(3):
        await run_until_idle(settings, kinds=["t.fail"])
        row = await one("SELECT status, attempts, run_at, last_error FROM queue_job")
        assert row["attempts"] == attempt + 1
        assert row["last_error"] == "provider exploded"
        if row["status"] == "queued":
            assert row["run_at"] > dt.datetime.now(dt.UTC)
            await db.fetch("UPDATE queue_job SET run_at = now()")
    assert await db.fetchval("SELECT status FROM queue_job") == "dead"
    assert seen == [
        ("provider exploded", False),
        ("provider exploded", False),
        ("provider exploded", True),
    ]


async def test_retry_later_uses_the_given_delay_and_permanent_failure_is_dead_at_once(
    pool, settings, handlers
):
    async def later(job, ctx):
        raise RetryLater("not yet", delay=120)

    async def never(job, ctx):
        raise PermanentFailure("cannot ever work")

    handlers("t.later", later)
    handlers("t.never", never)
    await service.enqueue("t.later", {})
    await service.enqueue("t.never", {})
    await run_until_idle(settings, kinds=["t.later", "t.never"])
    later_row = await one("SELECT status, run_at FROM queue_job WHERE kind = 't.later'")
    assert later_row["status"] == "queued"
    assert later_row["run_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=100)
    never_row = await one("SELECT status, last_error FROM queue_job WHERE kind = 't.never'")
    assert never_row["status"] == "dead"
    assert never_row["last_error"] == "cannot ever work"


async def test_a_handler_writes_only_through_its_fence(pool, settings, handlers):
    async def writes(job, ctx):
        async with service.fenced(job):
            await db.fetch("INSERT INTO audit_event (action) VALUES ('effect')")

    handlers("t.write", writes)
    await service.enqueue("t.write", {})
    await service.enqueue("t.write", {})
    assert await run_until_idle(settings, kinds=["t.write"]) == 2
    assert await db.fetchval("SELECT count(*) FROM audit_event") == 2
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'") == 2


async def test_stopping_a_worker_releases_jobs_it_cannot_finish(pool, settings, handlers):
    started = asyncio.Event()

    async def slow(job, ctx):
        started.set()
        await asyncio.sleep(60)

    handlers("t.slow", slow)
    await service.enqueue("t.slow", {})
    worker = await Worker(settings, concurrency=2, poll_seconds=0.05, kinds=["t.slow"]).start()
    await asyncio.wait_for(started.wait(), 10)
    await worker.stop(grace_seconds=0.2)
    row = await one("SELECT status, attempts, lease_token FROM queue_job")
    assert row["status"] == "queued"
    assert row["attempts"] == 0
    assert row["lease_token"] is None


async def test_worker_wakes_on_notify_and_runs_jobs(pool, settings, handlers):
    done = asyncio.Event()

    async def quick(job, ctx):
        done.set()

    handlers("t.quick", quick)
    worker = await Worker(settings, concurrency=2, poll_seconds=30, kinds=["t.quick"]).start()
    try:
        await asyncio.sleep(0.5)  # the worker is idle, waiting on LISTEN, not polling
        await service.enqueue("t.quick", {})
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await worker.stop()


async def test_a_claim_runs_as_one_batch_and_a_failed_job_alone_is_retried(
    pool, settings, handlers
):
    batches: list[list[int]] = []

    async def one_at_a_time(job, ctx):
        raise AssertionError("a claim of several runs as a batch")

    async def together(jobs, ctx):
        batches.append(sorted(j.payload["n"] for j in jobs))
        async with service.fenced_many([j for j in jobs if j.payload["n"] != 2]) as owned:
            for job in owned:
                await db.fetch("INSERT INTO audit_event (action) VALUES ($1)", f"effect {job.id}")
        return {j: RetryLater("not yet", delay=60) for j in jobs if j.payload["n"] == 2}

    handlers("t.batch", one_at_a_time, batch=together)
    await service.enqueue_many("t.batch", [{"n": i} for i in range(5)])
    assert await run_until_idle(settings, kinds=["t.batch"]) == 5
    assert batches == [[0, 1, 2, 3, 4]]
    assert await db.fetchval("SELECT count(*) FROM audit_event") == 4
    rows = await db.fetch("SELECT payload->>'n' AS n, status FROM queue_job ORDER BY id")
    assert [(r["n"], r["status"]) for r in rows] == [
        ("0", "done"),
        ("1", "done"),
        ("2", "queued"),
        ("3", "done"),
        ("4", "done"),
    ]


async def test_a_batch_fence_leaves_out_a_job_whose_lease_was_lost(pool):
    await service.enqueue_many("t.fence", [{"n": i} for i in range(3)])
    jobs = await service.claim(3, ["t.fence"])
    await db.fetch("UPDATE queue_job SET lease_token = gen_random_uuid() WHERE id = $1", jobs[1].id)
    async with service.fenced_many(jobs) as owned:
        assert [j.id for j in owned] == [jobs[0].id, jobs[2].id]
    assert [j.finished for j in jobs] == [True, False, True]
    statuses = [r["status"] for r in await db.fetch("SELECT status FROM queue_job ORDER BY id")]
    assert statuses == ["done", "running", "done"]


async def test_complete_many_marks_done_in_one_statement_and_reports_lost_leases(pool):
    await service.enqueue_many("t.complete", [{"n": i} for i in range(3)])
    jobs = await service.claim(3, ["t.complete"])
    await db.fetch("UPDATE queue_job SET lease_token = gen_random_uuid() WHERE id = $1", jobs[0].id)
    assert await service.complete_many(jobs) == [jobs[0]]
    statuses = [r["status"] for r in await db.fetch("SELECT status FROM queue_job ORDER BY id")]
    assert statuses == ["running", "done", "done"]


async def test_a_busy_worker_claims_a_batch_at_a_time(pool, settings, handlers):
    sizes: list[int] = []
    release = asyncio.Event()

    async def single(job, ctx):
        sizes.append(1)
        await release.wait()

    async def together(jobs, ctx):
        sizes.append(len(jobs))
        await release.wait()
        return {}

    handlers("t.busy", single, batch=together)
    await service.enqueue_many("t.busy", [{"n": i} for i in range(20)])
    worker = await Worker(settings, concurrency=8, poll_seconds=0.05, kinds=["t.busy"]).start()
    try:
        for _ in range(100):
            if sum(sizes) >= 8:
                break
            await asyncio.sleep(0.02)
        assert sizes == [4, 4]  # two batches in flight, concurrency 8 in all
        release.set()
        for _ in range(200):
            if await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'") == 20:
                break
            await asyncio.sleep(0.05)
        assert await db.fetchval("SELECT count(*) FROM queue_job WHERE status = 'done'") == 20
    finally:
        await worker.stop()

"""Benchmark 2: queued deliveries for interviews the sandbox knows, drained by one `hirewire
worker`, then (a fresh batch) by two, each beside the ceiling: the same Worker loop with a
no-op kind (tests/bench/noop_worker.py) on the same number of jobs, batched as the worker
batches. Then one worker against the memory provider. Timed from the workers' start to an
empty queue, start-up included; each figure carries the CPU share of every process (worker,
provider or sandbox, PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from app import db
from app.queue.worker import WORKER_CONCURRENCY, batch_size
from app.webhooks.inbox import PROCESS_KIND
from tests.bench.harness import BenchEnv, Process, free_port, with_pool
from tests.bench.noop_worker import NOOP_KIND
from tests.bench.sandbox_seed import (
    WORKER_ENV,
    SandboxJob,
    clear_queue,
    queue_jobs,
    seed_interviews,
    seed_sandbox_job,
    store_deliveries,
)

POLL_SECONDS = 0.1


class PostgresCpu:
    """CPU of the embedded PostgreSQL (postmaster and backends alive at the end; approximate:
    a backend that exited during the run is not counted)."""

    def __init__(self, pgdata: Path) -> None:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        self.postmaster = psutil.Process(pid)
        self.start = self._snapshot()

    def _snapshot(self) -> dict[int, float]:
        out = {}
        for p in [self.postmaster, *self.postmaster.children()]:
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except psutil.Error:
                continue
        return out

    def seconds(self) -> float:
        end = self._snapshot()
        return sum(v - self.start.get(pid, 0.0) for pid, v in end.items())


async def wait_drained(
    dsn: str, kind: str, workers: list[Process], timeout: float, org: Any = None
) -> float:
    """Poll the queue every 100 ms until no job of `kind` is queued or running; returns the
    moment (monotonic) the first job was done, for the start-up figure."""
    conn = await asyncpg.connect(dsn)
    first_done = 0.0
    try:
        mine = "kind = $1 AND ($2::uuid IS NULL OR organisation_id = $2)"
        total = await conn.fetchval(
            f"SELECT count(*) FROM queue_job WHERE {mine} AND status = 'queued'", kind, org
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = await conn.fetchval(
                f"SELECT count(*) FROM queue_job WHERE {mine} AND status IN ('queued', 'running')",
                kind,
                org,
            )
            if not first_done and left < total:
                first_done = time.monotonic()
            if left == 0:
                return first_done
            for w in workers:
                if w.popen.poll() is not None:
                    raise RuntimeError(f"{w.name} exited:\n{w.log_path.read_text()[-3000:]}")
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await conn.close()
    raise RuntimeError(f"{kind} jobs not drained within {timeout:.0f} s")


async def outcome(sj: SandboxJob, kind: str) -> dict[str, int]:
    """How the jobs ended, and how many invitations are now complete."""
    row = await db.fetchrow(
        """SELECT
        (SELECT count(*) FROM queue_job WHERE kind = $2 AND organisation_id = $1
            AND status = 'done') AS done,
        (SELECT count(*) FROM queue_job WHERE kind = $2 AND organisation_id = $1
            AND status = 'dead') AS dead,
        (SELECT count(*) FROM invitation WHERE job_id = $3 AND status = 'complete') AS complete""",
        sj.organisation_id,
        kind,
        sj.job_id,
    )
    return dict(row) if row else {}


def drain(
    env: BenchEnv,
    sj: SandboxJob,
    kind: str,
    workers: int,
    jobs: int,
    provider: Process,
    api_base: str,
) -> dict[str, Any]:
    """Start `workers` worker processes, time them to an empty queue, read CPU and memory.
    `provider` answers the workers' fetches at `api_base` (the sandbox, or the memory one)."""
    cores = os.cpu_count() or 1
    pg = PostgresCpu(env.pgdata)
    provider_cpu = provider.cpu_seconds()
    started = time.monotonic()
    procs = [
        env.start(f"worker-{i}", ["worker"], RIBBON_API_BASE=api_base, **WORKER_ENV)
        if kind == PROCESS_KIND
        else env.start_python(f"noop-worker-{i}", "tests.bench.noop_worker", [], **WORKER_ENV)
        for i in range(workers)
    ]
    try:
        first_done = asyncio.run(
            wait_drained(env.dsn, kind, procs, max(120, jobs / 10), sj.organisation_id)
        )
        elapsed = time.monotonic() - started
        rss = [p.rss_mb() for p in procs]
        worker_cpu = sum(p.cpu_seconds() for p in procs)
        pg_cpu = pg.seconds()
    finally:
        for p in procs:
            p.stop()
    result = {
        "jobs": jobs,
        "seconds": elapsed,
        "per_s": jobs / elapsed,
        "startup_s": first_done - started if first_done else float("nan"),
        "per_s_after_startup": jobs / (elapsed - (first_done - started)) if first_done else 0.0,
        "worker_rss_mb": max(rss),
        "workers_cpu_share": worker_cpu / (elapsed * cores),
        "postgres_cpu_share": pg_cpu / (elapsed * cores),
        "provider_cpu_share": (provider.cpu_seconds() - provider_cpu) / (elapsed * cores),
        **asyncio.run(with_pool(outcome(sj, kind))),
    }
    return result


async def seed_batch(name: str, count: int) -> tuple[SandboxJob, list[Any]]:
    await clear_queue()
    sj = await seed_sandbox_job(name)
    interviews = await seed_interviews(sj, count)
    deliveries = await store_deliveries(sj, interviews)
    return sj, deliveries


def bench_processing(env: BenchEnv, deliveries: int) -> dict[str, Any]:
    port = free_port()
    sandbox = env.start(
        "sandbox",
        ["sandbox", "--no-migrate", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
    )
    api = f"{sandbox.url}/sandbox/api"
    # The ceiling runs at the batch size the worker uses: the same Worker, same concurrency.
    out: dict[str, Any] = {
        "deliveries": deliveries,
        "batch_size": batch_size(WORKER_CONCURRENCY),
        "ceiling": {},
    }
    try:
        for label, workers in (("one_worker", 1), ("two_workers", 2)):
            sj, batch = asyncio.run(with_pool(seed_batch(f"Processing {label}", deliveries)))
            asyncio.run(with_pool(queue_jobs(sj, batch, NOOP_KIND)))
            out["ceiling"][label] = drain(env, sj, NOOP_KIND, workers, deliveries, sandbox, api)
            asyncio.run(with_pool(queue_jobs(sj, batch, PROCESS_KIND)))
            out[label] = drain(env, sj, PROCESS_KIND, workers, deliveries, sandbox, api)
            out[label]["ratio"] = out[label]["per_s"] / out["ceiling"][label]["per_s"]
        out["memory_provider"] = drain_memory_provider(env, deliveries)
        out["memory_provider"]["ratio"] = (
            out["memory_provider"]["per_s"] / out["ceiling"]["one_worker"]["per_s"]
        )
    finally:
        sandbox.stop()
    return out


def drain_memory_provider(env: BenchEnv, deliveries: int) -> dict[str, Any]:
    """One worker on a fresh batch whose fetches the memory provider answers: Hirewire's cost
    alone, the provider's work being on the provider's machines in production."""
    sj, batch = asyncio.run(with_pool(seed_batch("Processing memory provider", deliveries)))
    port = free_port()
    provider = env.start_python(
        "memory-provider",
        "tests.bench.memory_provider",
        ["--dsn", env.dsn, "--flow", sj.flow_id, "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
    )
    try:
        asyncio.run(with_pool(queue_jobs(sj, batch, PROCESS_KIND)))
        return drain(env, sj, PROCESS_KIND, 1, deliveries, provider, provider.url or "")
    finally:
        provider.stop()

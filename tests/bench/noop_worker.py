"""The processing ceiling: `hirewire worker`'s claim-and-complete loop (same Worker, same
concurrency, pool and batch size) with a job kind that skips the provider call and the merge,
writing only the minimal fenced update: the deliveries marked processed, a claim's batch in one
transaction as the processing batch writes them."""

from __future__ import annotations

import argparse
import asyncio
import signal
import uuid
from typing import Any

import app.background  # noqa: F401  (what `hirewire worker` registers, periodic jobs too)
from app import db
from app.logs import configure
from app.queue import service as queue
from app.queue.registry import job_kind
from app.queue.service import Job, LeaseLost
from app.queue.worker import WORKER_CONCURRENCY, WORKER_POOL_SIZE, Worker
from app.settings import Settings

NOOP_KIND = "bench_noop"


async def mark_all_processed(jobs: list[Job], ctx: Any) -> dict[Job, Exception]:
    """A claim's jobs as the processing batch writes them: one fenced transaction, one update."""
    async with queue.fenced_many(jobs) as owned:
        await db.fetch(
            """UPDATE webhook_delivery SET status = 'processed', processed_at = now()
               WHERE id = ANY($1::uuid[])""",
            [uuid.UUID(j.payload["delivery_id"]) for j in owned],
        )
    return {j: LeaseLost(f"job {j.id} lost its lease") for j in jobs if not j.finished}


@job_kind(NOOP_KIND, batch=mark_all_processed)
async def mark_processed(job: Job, ctx: Any) -> None:
    async with queue.fenced(job):
        await db.fetch(
            "UPDATE webhook_delivery SET status = 'processed', processed_at = now() WHERE id = $1",
            uuid.UUID(job.payload["delivery_id"]),
        )


async def run(concurrency: int) -> None:
    """What `hirewire worker` does (app/cli.py), limited to the no-op kind."""
    settings = Settings.from_env()
    configure(settings.log_level, settings.log_json)
    db.configure(settings.database_url or "")
    await db.start_pool(max_size=min(concurrency + 2, WORKER_POOL_SIZE))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = await Worker(settings, concurrency=concurrency, kinds=[NOOP_KIND]).start()
    await stop.wait()
    await worker.stop(grace_seconds=10)
    await db.close_pool()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=WORKER_CONCURRENCY)
    asyncio.run(run(parser.parse_args().concurrency))

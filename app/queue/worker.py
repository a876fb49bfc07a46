"""The worker loop: claims jobs, runs their handlers, retries with backoff, kills what keeps
failing. It wakes on NOTIFY and also polls, so a lost LISTEN connection only slows it down."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from app import db
from app.logs import get_logger
from app.queue import service
from app.queue.periodic import PeriodicScheduler
from app.queue.registry import HANDLERS, JobKind
from app.queue.service import Job, LeaseLost, PermanentFailure, RetryLater
from app.settings import Settings

log = get_logger(__name__)


@dataclass
class WorkerContext:
    """What handlers get besides the job: settings and shared clients."""

    settings: Settings
    resources: dict[str, Any] = field(default_factory=dict)


class Worker:
    def __init__(
        self,
        settings: Settings,
        concurrency: int = 16,
        poll_seconds: float = 1.0,
        lease_seconds: int = service.DEFAULT_LEASE_SECONDS,
        kinds: list[str] | None = None,
        resources: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.kinds = kinds
        # Registered at import by the features the composition root loaded (app/background.py).
        self.handlers: dict[str, JobKind] = HANDLERS
        # resources: clients the caller shares with the jobs (the app's provider clients)
        self.context = WorkerContext(settings=settings, resources=dict(resources or {}))
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._in_flight = 0  # jobs claimed and not finished (a batch task holds several)
        self._tasks: list[asyncio.Task[None]] = []
        self.batch_size = batch_size(concurrency)

    async def start(self) -> Worker:
        self._scheduler = PeriodicScheduler(self.settings)
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="queue-listen"),
            asyncio.create_task(self._claim_loop(), name="queue-claim"),
        ]
        return self

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop claiming, let running jobs finish for up to `grace_seconds`, release the rest."""
        self._stopping.set()
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.close_resources()

    async def close_resources(self) -> None:
        """Close what the jobs opened and shared (the provider clients)."""
        for resource in self.context.resources.values():
            closer = getattr(resource, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()

    async def _listen_forever(self) -> None:
        while not self._stopping.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(db.current_dsn(), timeout=5)
                await conn.add_listener(service.WAKE_CHANNEL, lambda *_: self._wake.set())
                while not self._stopping.is_set() and not conn.is_closed():
                    await asyncio.sleep(5)
                    await conn.execute("SELECT 1")  # notices a dead connection
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("queue_listen_lost", error=type(exc).__name__)
                await asyncio.sleep(1)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            free = self.concurrency - self._in_flight
            if self._running and free < self.batch_size:
                # Busy: claim once a few slots are free, not once per finished job (a claim is
                # a round trip and a lock on the queue whatever its size).
                await self._wait_for_wake()
                continue
            try:
                await self._scheduler.tick()
                # At most a batch per claim, so a busy worker keeps two batches in flight: one
                # fetching from the provider while the other writes.
                limit = min(free, self.batch_size)
                jobs = await service.claim(limit, self.kinds, self.lease_seconds) if limit else []
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("queue_claim_failed", error=repr(exc)[:300])
                await asyncio.sleep(self.poll_seconds)
                continue
            # A claim's jobs of one kind run as one batch when the kind can batch them; under
            # low load a claim brings one job and it runs at once, nothing waits for a batch.
            for group in self._groups(jobs):
                self._in_flight += len(group)
                task = asyncio.create_task(self._run_group(group), name=f"job-{group[0].id}")
                self._running.add(task)
                task.add_done_callback(functools.partial(self._finished, len(group)))
            if len(jobs) < max(limit, 1):
                await self._wait_for_wake()

    async def _wait_for_wake(self) -> None:
        """Until a job finishes, a NOTIFY announces new work, or the poll interval passes."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    def _finished(self, jobs: int, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._in_flight -= jobs
        self._wake.set()

    def _groups(self, jobs: list[Job]) -> list[list[Job]]:
        """The claimed jobs as units of work: one per kind that runs batches, else one each."""
        groups: dict[str, list[Job]] = {}
        single: list[list[Job]] = []
        for job in jobs:
            kind = self.handlers.get(job.kind)
            if kind is not None and kind.run_batch is not None:
                groups.setdefault(job.kind, []).append(job)
            else:
                single.append([job])
        return [*groups.values(), *single]

    async def _run_group(self, jobs: list[Job]) -> None:
        if len(jobs) == 1:
            await self._run(jobs[0])
        else:
            await self._run_batch(jobs)

    async def run_jobs(self, jobs: list[Job]) -> None:
        """Run claimed jobs as the claim loop does (batches where the kind allows), to the end."""
        await asyncio.gather(*(self._run_group(group) for group in self._groups(jobs)))

    async def _run_batch(self, jobs: list[Job]) -> None:
        kind = self.handlers[jobs[0].kind]
        assert kind.run_batch is not None
        started = time.perf_counter()
        failures: dict[Job, Exception] = {}
        try:
            failures = await kind.run_batch(jobs, self.context)
            done = [j for j in jobs if not j.finished and j not in failures]
            for job in await service.complete_many(done):
                failures[job] = LeaseLost(f"job {job.id} is no longer leased to this worker")
        except asyncio.CancelledError:
            for job in jobs:
                if not job.finished:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(service.release(job))
            raise
        except Exception as exc:  # the handler isolates jobs; this is the batch's own trouble
            failures = {j: exc for j in jobs if not j.finished}
        for job, error in failures.items():
            if isinstance(error, LeaseLost):
                log.warning("job_lease_lost", job_id=job.id, kind=job.kind)
            else:
                await self._failed(job, kind, error)
        log.debug(
            "jobs_ran",
            jobs=len(jobs),
            kind=kind.name,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    async def _run(self, job: Job) -> None:
        kind = self.handlers.get(job.kind)
        started = time.perf_counter()
        try:
            if kind is None:
                raise PermanentFailure(f"no handler for job kind {job.kind!r}")
            await kind.run(job, self.context)
            if not job.finished:  # handlers that wrote through fenced() are done already
                await service.complete(job)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(service.release(job))
            raise
        except LeaseLost:
            log.warning("job_lease_lost", job_id=job.id, kind=job.kind)
        except Exception as exc:
            await self._failed(job, kind, exc)
        finally:
            log.debug(
                "job_ran",
                job_id=job.id,
                kind=job.kind,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )

    async def _failed(self, job: Job, kind: JobKind | None, exc: Exception) -> None:
        error = str(exc) or type(exc).__name__
        dead = isinstance(exc, PermanentFailure) or job.last_attempt
        delay = (
            exc.delay
            if isinstance(exc, RetryLater) and exc.delay
            else service.backoff_seconds(job.attempts)
        )
        if not isinstance(exc, (RetryLater, PermanentFailure)):
            log.warning(
                "job_failed", job_id=job.id, kind=job.kind, error=repr(exc)[:500], dead=dead
            )
        try:
            async with db.transaction():
                moved = await (
                    service.mark_dead(job, error) if dead else service.reschedule(job, error, delay)
                )
                if moved and kind is not None and kind.on_failure is not None:
                    await kind.on_failure(job, error, dead)
        except Exception as hook_exc:
            log.error("job_failure_bookkeeping_failed", job_id=job.id, error=repr(hook_exc)[:300])


# `hirewire worker`'s jobs in flight: batches of half of it, two in flight. Measured against
# the memory provider on 2 cores (README, Benchmarks), 16 gave 364/s and 64 gave 580-714/s:
# a batch's round trips cost about the same whatever its size.
WORKER_CONCURRENCY = 64
# Its pool: a batch holds one connection while it writes, so jobs in flight need not each have
# one, and several worker processes must fit in the server's max_connections.
WORKER_POOL_SIZE = 20


def batch_size(concurrency: int) -> int:
    """How many free slots a busy worker waits for before it claims again: a claim is a round
    trip and a lock on the queue whatever its size, and its jobs of one kind run as one batch."""
    return max(1, concurrency // 2)


async def start_background_worker(settings: Settings, **kwargs: Any) -> Worker:
    return await Worker(settings, **kwargs).start()


async def run_until_idle(
    settings: Settings, max_seconds: float = 30.0, kinds: list[str] | None = None
) -> int:
    """Process jobs until none is due (tests and the CLI's one-shot mode). Returns how many ran."""
    worker = Worker(settings, kinds=kinds)
    worker._scheduler = _NoScheduler()  # type: ignore[assignment]
    deadline = time.monotonic() + max_seconds
    ran = 0
    try:
        while time.monotonic() < deadline:
            jobs = await service.claim(worker.concurrency, kinds, worker.lease_seconds)
            if not jobs:
                break
            await worker.run_jobs(jobs)
            ran += len(jobs)
    finally:
        await worker.close_resources()
    return ran


class _NoScheduler:
    async def tick(self) -> None:
        return None

"""Enqueue, claim, fence and finish background jobs.

A claimed job carries a lease token. Whatever a job writes, it writes inside `fenced()`, a
transaction that first locks the job row and checks the token is still its own; a worker whose
lease expired (and whose job another worker has since claimed) is refused there, so a late
worker can never apply its effect a second time."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from app import db

WAKE_CHANNEL = "hirewire_queue"
DEFAULT_LEASE_SECONDS = 60


class LeaseLost(RuntimeError):
    """The job's lease expired and another worker owns it now; this worker must stop."""


class RetryLater(Exception):
    """Raise from a handler to try again after `delay` seconds (counts as an attempt)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class PermanentFailure(Exception):
    """Raise from a handler when retrying cannot help: the job goes dead at once."""


@dataclass(eq=False)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    lease_token: uuid.UUID
    organisation_id: uuid.UUID | None
    finished: bool = False  # set by fenced(): the job is already marked done

    @property
    def last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts


def backoff_seconds(attempt: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with jitter: about base * 2^(attempt-1), between half and all of it."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling * random.uniform(0.5, 1.0)


async def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
    organisation_id: uuid.UUID | None = None,
    run_at: dt.datetime | None = None,
    max_attempts: int = 8,
) -> int | None:
    """Add a job (inside the caller's transaction, if any). With a dedupe_key, a job with the
    same key that is still queued or running makes this a no-op, and None is returned."""
    job_id = await db.fetchval(
        """
        INSERT INTO queue_job (kind, payload, dedupe_key, organisation_id, run_at, max_attempts)
        VALUES ($1, $2::jsonb, $3, $4, coalesce($5, now()), $6)
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running')
        DO NOTHING
        RETURNING id
        """,
        kind,
        payload or {},
        dedupe_key,
        organisation_id,
        run_at,
        max_attempts,
    )
    if job_id is not None and run_at is None:
        await db.fetch("SELECT pg_notify($1, $2)", WAKE_CHANNEL, kind)
    return int(job_id) if job_id is not None else None


async def enqueue_many(
    kind: str,
    payloads: list[dict[str, Any]],
    organisation_id: uuid.UUID | None = None,
    dedupe_keys: list[str] | None = None,
) -> int:
    """Add many jobs of one kind in one statement; with dedupe_keys (one per payload), each is
    skipped as `enqueue` skips it when its key is still queued or running."""
    if not payloads:
        return 0
    if dedupe_keys is not None and len(dedupe_keys) != len(payloads):
        raise ValueError("one dedupe key per payload")
    rows = await db.fetch(
        """
        INSERT INTO queue_job (kind, payload, dedupe_key, organisation_id)
        SELECT $1, p, k, $3 FROM unnest($2::jsonb[], $4::text[]) AS t(p, k)
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running')
        DO NOTHING
        RETURNING id
        """,
        kind,
        [json.dumps(p) for p in payloads],
        organisation_id,
        dedupe_keys,
    )
    if rows:
        await db.fetch("SELECT pg_notify($1, $2)", WAKE_CHANNEL, kind)
    return len(rows)


def insert_jobs_cte(
    kind: str, payload: str, organisation_id: str, dedupe_key: str, rows: str
) -> str:
    """An INSERT of one `kind` job per row of `rows` (a FROM clause), for a CTE of the caller's
    own statement, so storing something and its job stays one round trip: `payload`,
    `organisation_id` and `dedupe_key` are SQL expressions over those rows. It sends no NOTIFY:
    wake the workers with WAKE_CHANNEL afterwards (a NOTIFY per insert serialises commits)."""
    if not re.fullmatch(r"[a-z_]+", kind):
        raise ValueError(f"not a job kind: {kind!r}")
    return f"""INSERT INTO queue_job (kind, payload, organisation_id, dedupe_key)
    SELECT '{kind}', {payload}, {organisation_id}, {dedupe_key}
    FROM {rows}"""


async def drop_queued(kind: str, payload_key: str, values: list[str]) -> None:
    """Mark done, unrun, the queued `kind` jobs whose payload[payload_key] is one of `values`:
    what they would work on is gone (inside the caller's transaction, if any)."""
    await db.fetch(
        """UPDATE queue_job SET status = 'done', finished_at = now()
           WHERE kind = $1 AND status = 'queued' AND payload->>$2 = ANY($3::text[])""",
        kind,
        payload_key,
        values,
    )


async def redact_finished(
    organisation_id: uuid.UUID, mentions: Callable[[str, str], str], terms: list[str]
) -> int:
    """Empty the payload and error of the organisation's finished (done, dead) jobs whose
    payload or error mentions one of `terms`; `mentions(expr, param)` is the caller's SQL test
    of that. Returns how many (inside the caller's transaction, if any)."""
    rows = await db.fetch(
        f"""UPDATE queue_job SET payload = '{{}}', last_error = ''
            WHERE organisation_id = $1 AND status IN ('done', 'dead')
              AND ({mentions("payload::text", "$2")} OR {mentions("last_error", "$2")})
            RETURNING 1""",
        organisation_id,
        terms,
    )
    return len(rows)


async def claim(
    limit: int = 1, kinds: list[str] | None = None, lease_seconds: int = DEFAULT_LEASE_SECONDS
) -> list[Job]:
    """Take up to `limit` due jobs, and any whose lease expired, with a fresh lease each."""
    rows = await db.fetch(
        """
        WITH due AS (
            SELECT id FROM queue_job
            WHERE ((status = 'queued' AND run_at <= now())
                   OR (status = 'running' AND lease_until < now()))
              AND ($2::text[] IS NULL OR kind = ANY($2))
            ORDER BY run_at, id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE queue_job q
        SET status = 'running', attempts = q.attempts + 1, lease_token = gen_random_uuid(),
            lease_until = now() + make_interval(secs => $3)
        FROM due WHERE q.id = due.id
        RETURNING q.id, q.kind, q.payload, q.attempts, q.max_attempts, q.lease_token,
                  q.organisation_id
        """,
        limit,
        kinds,
        float(lease_seconds),
    )
    return [
        Job(
            id=r["id"],
            kind=r["kind"],
            payload=r["payload"],
            attempts=r["attempts"],
            max_attempts=r["max_attempts"],
            lease_token=r["lease_token"],
            organisation_id=r["organisation_id"],
        )
        for r in rows
    ]


async def _finish_own_lease(job: Job) -> None:
    """Lock the job's row, check the lease is still ours and mark the job done, in one
    statement: the mark commits with the handler's writes or is rolled back with them."""
    owned = await db.fetchval(
        """UPDATE queue_job SET status = 'done', finished_at = now(), lease_token = NULL,
               lease_until = NULL
           WHERE id = $1 AND lease_token = $2 AND status = 'running' RETURNING 1""",
        job.id,
        job.lease_token,
    )
    if not owned:
        raise LeaseLost(f"job {job.id} is no longer leased to this worker")


@asynccontextmanager
async def fenced(job: Job) -> AsyncIterator[None]:
    """A transaction that holds the job's row lock and, on success, marks the job done.
    Raises LeaseLost (and writes nothing) when the lease is no longer this worker's.
    The job reads as done inside the block already (one round trip fewer per job); a handler
    that raises rolls that back with everything else."""
    async with db.transaction():
        await _finish_own_lease(job)
        yield
    job.finished = True


# Marks done those of the jobs ($1 ids, $2 their lease tokens) still leased to this worker, in
# id order (two workers fencing overlapping sets after a lease was taken over lock alike).
FINISH_LEASES_SQL = """WITH mine AS (
      SELECT q.id FROM queue_job q
      JOIN unnest($1::bigint[], $2::uuid[]) AS t(id, token)
        ON q.id = t.id AND q.lease_token = t.token AND q.status = 'running'
      ORDER BY q.id
      FOR UPDATE OF q
    )
    UPDATE queue_job q SET status = 'done', finished_at = now(), lease_token = NULL,
        lease_until = NULL
    FROM mine WHERE q.id = mine.id
    RETURNING q.id"""


async def _finish_own_leases(jobs: list[Job]) -> list[Job]:
    """`_finish_own_lease` for many jobs in one statement; returns those still ours."""
    if not jobs:
        return []
    rows = await db.fetch(FINISH_LEASES_SQL, [j.id for j in jobs], [j.lease_token for j in jobs])
    done = {r["id"] for r in rows}
    return [j for j in jobs if j.id in done]


@asynccontextmanager
async def fenced_many(jobs: list[Job]) -> AsyncIterator[list[Job]]:
    """`fenced` for a batch: one transaction holding the row locks of those of `jobs` still
    leased to this worker, which it yields (write only theirs) and marks done on success. A job
    left out lost its lease; nothing may be written for it."""
    async with db.transaction():
        owned = await _finish_own_leases(jobs)
        yield owned
    for job in owned:
        job.finished = True


async def complete_many(jobs: list[Job]) -> list[Job]:
    """Mark done, in one statement, those of `jobs` still leased to this worker; returns the
    ones whose lease was lost."""
    owned = await _finish_own_leases(jobs)
    for job in owned:
        job.finished = True
    return [j for j in jobs if not j.finished]


async def complete(job: Job) -> bool:
    """Mark done if the lease is still ours. False when it was lost."""
    try:
        async with fenced(job):
            pass
    except LeaseLost:
        return False
    return True


async def reschedule(job: Job, error: str, delay: float) -> bool:
    """Put the job back in the queue after `delay` seconds, keeping the error."""
    row = await db.fetchval(
        """UPDATE queue_job SET status = 'queued', lease_token = NULL, lease_until = NULL,
               last_error = $3, run_at = now() + make_interval(secs => $4)
           WHERE id = $1 AND lease_token = $2 RETURNING id""",
        job.id,
        job.lease_token,
        error[:2000],
        delay,
    )
    return row is not None


async def mark_dead(job: Job, error: str) -> bool:
    row = await db.fetchval(
        """UPDATE queue_job SET status = 'dead', lease_token = NULL, lease_until = NULL,
               last_error = $3, finished_at = now()
           WHERE id = $1 AND lease_token = $2 RETURNING id""",
        job.id,
        job.lease_token,
        error[:2000],
    )
    return row is not None


async def release(job: Job) -> None:
    """Give a claimed job back untouched (graceful shutdown): it does not count as an attempt."""
    await db.fetch(
        """UPDATE queue_job SET status = 'queued', lease_token = NULL, lease_until = NULL,
               attempts = greatest(attempts - 1, 0)
           WHERE id = $1 AND lease_token = $2""",
        job.id,
        job.lease_token,
    )


async def depth() -> dict[str, Any]:
    row = await db.fetchrow(
        """SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
                  count(*) FILTER (WHERE status = 'running') AS running,
                  count(*) FILTER (WHERE status = 'dead') AS dead
           FROM queue_job"""
    )
    return dict(row) if row else {}

"""The inbox's fast path: find the assessment of a webhook token, check the signature against its
current (and, during the grace period, previous) secret, and store the delivery with its
processing job in one statement, before the provider gets its answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from app import db
from app.crypto import SecretBox
from app.logs import get_logger
from app.queue.service import WAKE_CHANNEL, insert_jobs_cte
from app.text import clean
from app.webhooks.statuses import DeliveryStatus

log = get_logger(__name__)

PROCESS_KIND = "process_delivery"
ACQUIRE_TIMEOUT = 2.0  # seconds: a database that cannot give a connection by then is "down"
QUERY_TIMEOUT = 5.0
CACHE_SECONDS = 30.0
# Only these request headers are kept on a delivery: never the signature, cookies or tokens.
KEPT_HEADERS = ("content-type", "content-length", "user-agent", "x-request-id", "x-forwarded-for")

# The webhook endpoint's names for the database's own outage test.
DB_UNAVAILABLE = db.UNAVAILABLE_ERRORS
UNAVAILABLE_CLASSES = db.UNAVAILABLE_CLASSES
db_unavailable = db.unavailable


@dataclass(frozen=True)
class Endpoint:
    """An assessment as the webhook endpoint needs it, with its secrets opened."""

    assessment_id: uuid.UUID
    organisation_id: uuid.UUID
    provider: str
    secrets: tuple[str, ...]  # current first, then the previous one while its grace lasts
    loaded_at: float
    box: SecretBox

    def candidate_key(self, email: str) -> str:
        return self.box.candidate_key(self.organisation_id, email)


class EndpointCache:
    """Token -> endpoint, kept briefly so a burst of deliveries costs one lookup. A signature
    that fails against a cached entry is checked again after a fresh lookup, so a rotated
    secret is honoured at once."""

    def __init__(self, box: SecretBox) -> None:
        self.box = box
        self._entries: dict[str, Endpoint] = {}

    def cached(self, token: str) -> Endpoint | None:
        entry = self._entries.get(token)
        if entry is None or time.monotonic() - entry.loaded_at > CACHE_SECONDS:
            return None
        return entry

    async def load(self, token: str) -> Endpoint | None:
        row = await _fetchrow(
            """SELECT id, organisation_id, provider, webhook_secret_enc,
                      previous_webhook_secret_enc, previous_secret_valid_until
               FROM assessment WHERE webhook_token = $1""",
            token,
        )
        if row is None:
            self._entries.pop(token, None)
            return None
        entry = Endpoint(
            assessment_id=row["id"],
            organisation_id=row["organisation_id"],
            provider=row["provider"],
            secrets=self._secrets(row),
            loaded_at=time.monotonic(),
            box=self.box,
        )
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[token] = entry
        return entry

    def _secrets(self, row: Any) -> tuple[str, ...]:
        found = [self.box.open(row["webhook_secret_enc"])]
        until = row["previous_secret_valid_until"]
        if row["previous_webhook_secret_enc"] and until and until > dt.datetime.now(dt.UTC):
            found.append(self.box.open(row["previous_webhook_secret_enc"]))
        return tuple(found)


@asynccontextmanager
async def _acquired(pool: asyncpg.Pool) -> AsyncIterator[Any]:
    """A pooled connection within ACQUIRE_TIMEOUT: `pool.acquire(timeout=...)` bounds the wait
    with wait_for, which creates a task on every call; asyncio.timeout only sets a timer."""
    async with asyncio.timeout(ACQUIRE_TIMEOUT):
        conn = await pool.acquire()
    try:
        yield conn
    finally:
        await pool.release(conn)


async def _fetchrow(sql: str, *args: Any) -> asyncpg.Record | None:
    pool = db.engine().pool
    if pool is None:
        return await db.fetchrow(sql, *args)
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
        row: asyncpg.Record | None = await conn.fetchrow(sql, *args, timeout=QUERY_TIMEOUT)
        return row


REDACTED_ON_ARRIVAL = "names an erased candidate; redacted on arrival"
# The processing job of a delivery just inserted (not a duplicate, not redacted on arrival).
JOB_CTE = insert_jobs_cte(
    PROCESS_KIND,
    payload="jsonb_build_object('delivery_id', ins.id)",
    organisation_id="$1",
    dedupe_key="'delivery:' || ins.id",
    rows="ins WHERE ins.inserted AND ins.status = 'received'",
)

# Erasure holds for what arrives afterwards: a delivery naming an erased person's email (by its
# keyed hash in erased_email, unless a candidate with that address has been added again) or
# one of their interviews is stored already redacted, finished as 'ignored', with no job.
# delivery_names_erased_person (migration hirewire_1021) looks for nobody in an organisation
# without an erasure_marker row, which the erasure writes in its own transaction, so nothing is
# cached between an erasure's commit and the next delivery; as a function, its lookups are not
# planned again on every delivery.
STORE_SQL = f"""
WITH erased AS (
    SELECT delivery_names_erased_person($1, $3, $9, $10, $11) AS yes
), ins AS (
    INSERT INTO webhook_delivery (organisation_id, assessment_id, provider, idempotency_key,
                                  event_type, status, headers, payload, request_id,
                                  candidate_key, last_error, redacted_at, processed_at,
                                  event_kind, provider_interview_id)
    SELECT $1, $2, $3, $4, $5,
           CASE WHEN yes THEN 'ignored' ELSE 'received' END,
           CASE WHEN yes THEN '{{}}'::jsonb ELSE $6::jsonb END,
           CASE WHEN yes THEN NULL ELSE $7::jsonb END,
           $8,
           CASE WHEN yes THEN NULL ELSE $9 END,
           CASE WHEN yes THEN '{REDACTED_ON_ARRIVAL}' ELSE '' END,
           CASE WHEN yes THEN now() END,
           CASE WHEN yes THEN now() END,
           CASE WHEN yes THEN NULL ELSE $12 END,
           CASE WHEN yes THEN NULL ELSE $13 END
    FROM erased
    ON CONFLICT (assessment_id, idempotency_key) DO UPDATE
        SET duplicates = webhook_delivery.duplicates + 1, last_duplicate_at = now()
    RETURNING id, status, xmax = 0 AS inserted  -- xmax is 0 on a row this statement inserted
), job AS (
    {JOB_CTE}
    RETURNING id
)
SELECT ins.id, ins.status, ins.inserted FROM ins
"""


class Waker:
    """Wakes the workers after deliveries are stored: one NOTIFY per burst, sent outside the
    request's statement. A NOTIFY in every insert would serialise the commits on PostgreSQL's
    notification queue lock and halve the endpoint's throughput; workers also poll, so a lost
    wake-up only delays processing, it never loses a delivery."""

    def __init__(self, window: float = 0.005) -> None:
        self.window = window
        self._wanted = False
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._wanted:
            self._wanted = False
            await asyncio.sleep(self.window)  # a burst of deliveries shares one NOTIFY
            try:
                pool = db.engine().pool
                if pool is None:
                    await db.fetch("SELECT pg_notify($1, $2)", WAKE_CHANNEL, PROCESS_KIND)
                else:
                    async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
                        await conn.execute("SELECT pg_notify($1, $2)", WAKE_CHANNEL, PROCESS_KIND)
            except Exception as exc:  # the workers' poll picks the delivery up anyway
                log.info("webhook_wake_failed", error=type(exc).__name__)


_wakers: dict[int, Waker] = {}


def wake_workers() -> None:
    loop_id = id(asyncio.get_running_loop())
    waker = _wakers.get(loop_id)
    if waker is None:
        waker = _wakers[loop_id] = Waker()
    waker.poke()


REJECT_SQL = """
INSERT INTO webhook_delivery (organisation_id, assessment_id, provider, idempotency_key,
                              event_type, status, headers, body, last_error, request_id,
                              processed_at)
VALUES ($1, $2, $3, $4, '', 'rejected', $5::jsonb, $6, $7, $8, now())
ON CONFLICT (assessment_id, idempotency_key) DO NOTHING
RETURNING id
"""


def kept_headers(headers: Mapping[str, str]) -> str:
    return json.dumps({k: headers[k][:500] for k in KEPT_HEADERS if k in headers})


async def store_event(
    endpoint: Endpoint,
    idempotency_key: str,
    event_type: str,
    headers_json: str,
    payload_json: str,
    request_id: str,
    email: str | None = None,
    interview_id: str | None = None,
    event_kind: str | None = None,
) -> uuid.UUID | None:
    """Insert the delivery and its job (one round trip, one implicit transaction), then wake
    the workers. Returns the new delivery's id, or None for a duplicate. `email` and
    `interview_id` are what the delivery names: checked against erased candidates, and the
    email kept only as its keyed hash. `event_kind` (the neutral EventKind) and the interview
    id are kept for the worker, which then need not parse the payload again."""
    pool = db.engine().pool
    key = endpoint.candidate_key(email) if email else None
    kept_id = clean(interview_id, "exact", 500) if interview_id else None
    args = (
        endpoint.organisation_id,
        endpoint.assessment_id,
        endpoint.provider,
        idempotency_key[:500],
        event_type[:200],
        headers_json,
        payload_json,
        request_id,
        key,
        kept_id,
        clean(email, "exact", 500) if email else None,
        event_kind,
        kept_id if kept_id == interview_id else None,  # else the worker parses the payload
    )
    if pool is None:
        row = await db.fetchrow(STORE_SQL, *args)
    else:
        async with _acquired(pool) as conn:
            row = await conn.fetchrow(STORE_SQL, *args, timeout=QUERY_TIMEOUT)
    if row is None or not row["inserted"]:
        return None  # a duplicate: counted on the delivery it repeats
    if row["status"] == DeliveryStatus.RECEIVED:
        wake_workers()
    return row["id"]


async def store_rejected(
    endpoint: Endpoint, body: bytes, headers_json: str, reason: str, request_id: str
) -> uuid.UUID | None:
    """Keep an authentic but unusable body, marked rejected with the reason (no job)."""
    key = "rejected:" + hashlib.sha256(body).hexdigest()
    pool = db.engine().pool
    args = (
        endpoint.organisation_id,
        endpoint.assessment_id,
        endpoint.provider,
        key,
        headers_json,
        body,
        reason[:2000],
        request_id,
    )
    if pool is None:
        row = await db.fetchrow(REJECT_SQL, *args)
    else:
        async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
            row = await conn.fetchrow(REJECT_SQL, *args, timeout=QUERY_TIMEOUT)
    return None if row is None else row["id"]

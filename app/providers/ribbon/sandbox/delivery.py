"""Webhook delivery for the sandbox: a background task in the sandbox's process that POSTs due
rows of `sandbox_delivery`, and retries with exponential backoff and jitter on anything but 2xx.

Why its own loop and not the app's queue: the sandbox stands in for a third party, so it must
not depend on Hirewire's workers (it also runs standalone, with no worker at all). Rows are
claimed with a lease and SKIP LOCKED, so several sandbox processes on one database share the
work and a crashed process's rows are picked up again once the lease runs out."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from collections import defaultdict
from typing import Any

import httpx

from app import db
from app.logs import get_logger
from app.providers.http import cheap_transport

log = get_logger(__name__)

USER_AGENT = "Ribbon-API-Webhook/1.0"
LEASE_SECONDS = 30
MAX_BACKOFF_SECONDS = 300.0
_running: set[Deliverer] = set()


def wake_all() -> None:
    """Deliver now rather than at the next poll (called after queueing in this process)."""
    for deliverer in list(_running):
        deliverer.wake()


class Deliverer:
    def __init__(self, poll_seconds: float = 1.0, timeout_seconds: float = 10.0) -> None:
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> Deliverer:
        # The cheap transport: in benchmarks the sandbox stands where Ribbon's machines would.
        self._http = httpx.AsyncClient(
            timeout=self.timeout_seconds, follow_redirects=False, transport=cheap_transport()
        )
        self._task = asyncio.create_task(self._run(), name="sandbox-webhooks")
        _running.add(self)
        return self

    async def stop(self, grace_seconds: float = 0) -> None:
        _running.discard(self)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._http is not None:
            await self._http.aclose()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
                wait = 0.0 if sent else await self._idle_seconds()
            except Exception as exc:  # the database may be restarting; keep the loop alive
                log.warning("sandbox_delivery_loop_error", error=repr(exc)[:300])
                wait = self.poll_seconds
            if wait > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _idle_seconds(self) -> float:
        due = await db.fetchval(
            "SELECT min(next_attempt_at) - now() FROM sandbox_delivery WHERE status = 'pending'"
        )
        if due is None:
            return self.poll_seconds
        return min(max(due.total_seconds(), 0.01), self.poll_seconds)

    async def deliver_due(self, limit: int = 20) -> int:
        """Send what is due now; webhooks of one interview go in order, others in parallel."""
        rows = await db.fetch(
            f"""UPDATE sandbox_delivery SET status = 'sending', attempts = attempts + 1,
                   lease_until = now() + interval '{LEASE_SECONDS} seconds'
               WHERE id IN (
                   SELECT id FROM sandbox_delivery
                   WHERE (status = 'pending' AND next_attempt_at <= now())
                      OR (status = 'sending' AND lease_until < now())
                   ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING *""",
            limit,
        )
        groups: dict[Any, list[Any]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r["next_attempt_at"], r["id"])):
            groups[row["interview_id"] or row["flow_id"]].append(row)
        await asyncio.gather(*(self._send_in_order(group) for group in groups.values()))
        return len(rows)

    async def _send_in_order(self, rows: list[Any]) -> None:
        for row in rows:
            await self._send(row)

    async def _send(self, row: Any) -> None:
        assert self._http is not None
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if row["signature"]:
            headers["x-ribbon-signature"] = row["signature"]
        code: int | None = None
        try:
            response = await self._http.post(
                row["url"], content=bytes(row["body"]), headers=headers
            )
            code = response.status_code
            error = "" if 200 <= code < 300 else f"HTTP {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
        if not error:
            await db.fetch(
                """UPDATE sandbox_delivery SET status = 'delivered', delivered_at = now(),
                       last_status_code = $2, last_error = '', lease_until = NULL WHERE id = $1""",
                row["id"],
                code,
            )
            return
        give_up = row["attempts"] >= row["max_attempts"]
        backoff = min(row["retry_base_seconds"] * 2 ** (row["attempts"] - 1), MAX_BACKOFF_SECONDS)
        backoff *= random.uniform(0.75, 1.25)  # jitter: retries of many webhooks spread out
        await db.fetch(
            """UPDATE sandbox_delivery SET status = $2, last_status_code = $3, last_error = $4,
                   next_attempt_at = now() + $5, lease_until = NULL WHERE id = $1""",
            row["id"],
            "failed" if give_up else "pending",
            code,
            error,
            dt.timedelta(seconds=backoff),
        )
        log.info("sandbox_webhook_not_accepted", delivery=row["id"], error=error, retry=not give_up)

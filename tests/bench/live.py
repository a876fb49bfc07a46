"""Benchmark 3: webhook to screen. A logged-in client follows a job's SSE stream while a
background load of webhooks for other invitations of the job runs; measured deliveries are
sent one at a time, and each counts from its 2xx to the SSE event naming its invitation.
Processes as users run them: `hirewire serve --no-worker`, one `hirewire worker`, the sandbox
standalone. The ceiling is the plumbing floor under the same load: a raw pg_notify of
`timeline.announce`'s payload to the SSE event."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import psutil

from app.invitations.timeline import UPDATES_CHANNEL
from app.webhooks.inbox import PROCESS_KIND
from tests.bench.harness import BenchEnv, Process, free_port, percentile, with_pool
from tests.bench.raw_http import RawSender, build_post
from tests.bench.sandbox_seed import (
    WORKER_ENV,
    Interview,
    SandboxJob,
    clear_queue,
    seed_interviews,
    seed_sandbox_job,
)
from tests.bench.sandbox_seed import signed_webhook as signed
from tests.bench.sse import Stream, login

SPACING_S = 0.1  # a measured delivery goes out at least this long after the previous one
WAIT_S = 10.0  # a measured delivery whose event has not arrived by then counts as missed
WARM_UP = 5
GIVE_UP_AFTER = 5  # consecutive misses: processing is not keeping up, stop measuring


async def post_webhook(client: httpx.AsyncClient, sj: SandboxJob, interview_id: str) -> int:
    path, body, headers = signed(sj, interview_id)
    return (await client.post(path, content=body, headers=headers)).status_code


@dataclass
class Background:
    """Webhooks for other invitations at a steady rate, each request not waiting for the last.
    Requests are signed and built before the load starts and sent through RawSender, so the
    load generator takes little of the machine from the processes measured."""

    sender: RawSender
    requests: list[bytes]
    per_s: float
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        while not stop.is_set() and self.sent < len(self.requests):
            delay = start + self.sent / self.per_s - time.perf_counter()
            await asyncio.sleep(max(delay, 0.0))  # always yield, even when behind
            task = asyncio.create_task(self._one(self.requests[self.sent]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            self.sent += 1
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, request: bytes) -> None:
        code = await self.sender.send(request)
        self.statuses[code] = self.statuses.get(code, 0) + 1


@dataclass
class Measured:
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    missed: int = 0
    before_ack: int = 0  # the event came before the 2xx (possible when the 2xx is slow)
    gave_up: bool = False
    stale: int = 0
    under_load: list[bool] = field(default_factory=list)  # the background load was still on


async def measure(
    stream: Stream,
    names: list[str],
    send: Callable[[str], Awaitable[None]],
    loaded: Callable[[], bool] = lambda: True,
) -> Measured:
    """One at a time: send, note the acknowledgement, wait for the event. Milliseconds.
    `loaded` tells whether the background load is still running when a delivery goes out."""
    out, in_a_row = Measured(), 0
    for name in names:
        if name in stream.arrivals:  # announced before its webhook: something else touched it
            out.stale += 1
            continue
        future = stream.expect(name)
        out.under_load.append(loaded())
        started = time.perf_counter()
        await send(name)
        acked = time.perf_counter()
        try:
            arrived = await asyncio.wait_for(future, timeout=WAIT_S)
            in_a_row = 0
        except TimeoutError:
            out.missed, arrived = out.missed + 1, acked + WAIT_S  # counted at the wait: a floor
            in_a_row += 1
        out.before_ack += arrived < acked
        out.latencies_ms.append((arrived - acked) * 1000)
        out.ack_ms.append((acked - started) * 1000)
        if in_a_row >= GIVE_UP_AFTER:
            out.gave_up = True
            break
        await asyncio.sleep(max(0.0, started + SPACING_S - time.perf_counter()))
    return out


async def queued(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM queue_job WHERE kind = $1 AND status IN ('queued', 'running')",
                PROCESS_KIND,
            )
        )
    finally:
        await conn.close()


def cpu_of(processes: list[Process]) -> dict[str, float]:
    own = psutil.Process().cpu_times()
    return {
        **{p.name: p.cpu_seconds() for p in processes},
        "loadgen": own.user + own.system,
    }


async def run_live(
    env: BenchEnv,
    sj: SandboxJob,
    measured: list[Interview],
    background: list[Interview],
    background_per_s: float,
    processes: list[Process],
) -> dict[str, Any]:
    web = processes[0]
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with (
        httpx.AsyncClient(base_url=web.url or "", timeout=30, follow_redirects=True) as viewer,
        httpx.AsyncClient(base_url=web.url or "", timeout=30, limits=limits) as sender,
    ):
        await login(viewer, sj.email)
        stream = Stream()
        following = asyncio.create_task(stream.follow(viewer, f"/jobs/{sj.job_id}/stream"))
        await asyncio.wait_for(stream.ready.wait(), timeout=30)
        stop = asyncio.Event()
        url = httpx.URL(web.url or "")
        raw = RawSender(url.host, url.port or 80)
        requests = [
            build_post(f"{url.host}:{url.port}", *signed(sj, i.interview_id)) for i in background
        ]
        load = Background(raw, requests, background_per_s)
        loading = asyncio.create_task(load.run(stop))
        await asyncio.sleep(2)  # the load settles

        conn = await asyncpg.connect(env.dsn)

        async def notify(invitation: str) -> None:
            payload = {
                "org": str(sj.organisation_id),
                "job": str(sj.job_id),
                "invitation": invitation,
                "event": "card",
            }
            text = json.dumps(payload, separators=(",", ":"))
            await conn.execute("SELECT pg_notify($1, $2)", UPDATES_CHANNEL, text)

        fake = [str(uuid.uuid4()) for _ in measured[WARM_UP:]]
        ceiling = await measure(stream, fake, notify)
        await conn.close()

        by_invitation = {str(i.invitation_id): i.interview_id for i in measured}

        async def deliver(invitation: str) -> None:
            code = await post_webhook(sender, sj, by_invitation[invitation])
            if code != 202:
                raise RuntimeError(f"webhook answered {code}")

        names = [str(i.invitation_id) for i in measured]
        await measure(stream, names[:WARM_UP], deliver)
        cpu_before, wall_before = cpu_of(processes), time.perf_counter()
        app = await measure(stream, names[WARM_UP:], deliver, lambda: not loading.done())
        wall = time.perf_counter() - wall_before
        cpu_after = cpu_of(processes)
        backlog = await queued(env.dsn)
        stop.set()
        await loading
        await raw.aclose()
        following.cancel()
    cores = os.cpu_count() or 1
    # The target is under the background load; a slow worker can outlast the load's pool of
    # interviews, so what was measured after it ended is reported apart.
    loaded = [v for v, on in zip(app.latencies_ms, app.under_load, strict=True) if on]
    unloaded = [v for v, on in zip(app.latencies_ms, app.under_load, strict=True) if not on]
    return {
        "p50_ms": percentile(loaded, 50),
        "p99_ms": percentile(loaded, 99),
        "measured_under_load": len(loaded),
        "after_load_p50_ms": percentile(unloaded, 50) if unloaded else None,
        "after_load_p99_ms": percentile(unloaded, 99) if unloaded else None,
        "all_p50_ms": percentile(app.latencies_ms, 50),
        "all_p99_ms": percentile(app.latencies_ms, 99),
        "max_ms": max(app.latencies_ms),
        "missed": app.missed,
        "measured": len(app.latencies_ms),
        "gave_up": app.gave_up,
        "arrived_before_ack": app.before_ack,
        "announced_before_sent": app.stale,
        "ack_p50_ms": percentile(app.ack_ms, 50),
        "ack_p99_ms": percentile(app.ack_ms, 99),
        "ceiling_p50_ms": percentile(ceiling.latencies_ms, 50),
        "ceiling_p99_ms": percentile(ceiling.latencies_ms, 99),
        "ceiling_missed": ceiling.missed,
        "latencies_ms": [round(v, 1) for v in app.latencies_ms],
        "background_per_s": background_per_s,
        "background_sent": load.sent,
        "background_statuses": load.statuses,
        "backlog_at_end": backlog,
        "sse_events": stream.events,
        "cpu_share": {k: (cpu_after[k] - cpu_before[k]) / (wall * cores) for k in cpu_after},
    }


def bench_live(env: BenchEnv, measured: int, background_per_s: int) -> dict[str, Any]:
    # Enough background interviews for the whole run (ceiling, warm-up, measured) at the
    # spacing, with room for slower acknowledgements.
    seconds = 2 + 2 * (measured + WARM_UP) * SPACING_S
    pool = int(background_per_s * seconds * 2) + 100

    async def seed() -> tuple[SandboxJob, list[Interview]]:
        await clear_queue()
        sj = await seed_sandbox_job("Live")
        return sj, await seed_interviews(sj, measured + WARM_UP + pool)

    sj, interviews = asyncio.run(with_pool(seed()))
    port, sandbox_port = free_port(), free_port()
    sandbox = env.start(
        "sandbox-live",
        ["sandbox", "--no-migrate", "--port", str(sandbox_port)],
        url=f"http://127.0.0.1:{sandbox_port}",
    )
    web = env.start(
        "web-live",
        ["serve", "--no-worker", "--no-migrate", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
        SSE_MAX_STREAM_SECONDS="3600",
    )
    worker = env.start(
        "worker-live", ["worker"], RIBBON_API_BASE=f"{sandbox.url}/sandbox/api", **WORKER_ENV
    )
    try:
        result = asyncio.run(
            run_live(
                env,
                sj,
                interviews[: measured + WARM_UP],
                interviews[measured + WARM_UP :],
                background_per_s,
                [web, worker, sandbox],
            )
        )
        result["web_rss_mb"], result["worker_rss_mb"] = web.rss_mb(), worker.rss_mb()
    finally:
        for p in (worker, web, sandbox):
            p.stop()
    return result

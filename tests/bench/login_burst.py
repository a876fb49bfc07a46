"""Benchmark: does a burst of logins stall the rest of the server? Password hashing (argon2,
tens of ms of CPU each) runs on a small thread pool, so while 20 logins run at once the event
loop should still answer /healthz (and so webhooks, streams and pages) promptly. Measures
/healthz latency alone, then during repeated bursts of concurrent logins."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.bench.harness import BenchEnv, free_port, percentile, with_pool
from tests.bench.seed import PASSWORD, seed_job


async def _healthz_latencies(client: httpx.AsyncClient, until: float) -> list[float]:
    latencies = []
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await client.get("/healthz")
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"/healthz answered {response.status_code}")
        await asyncio.sleep(0.01)
    return latencies


async def _login(base: str, email: str) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.get("/login")
        started = time.perf_counter()
        response = await client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]},
        )
        if response.status_code not in (302, 303):
            raise RuntimeError(f"bench login answered {response.status_code}")
        return (time.perf_counter() - started) * 1000


async def _run(base: str, email: str, bursts: int, size: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as probe:
        baseline = await _healthz_latencies(probe, time.monotonic() + 2)
        logins: list[float] = []
        during: list[float] = []
        for _ in range(bursts):
            watcher = asyncio.create_task(_healthz_latencies(probe, time.monotonic() + 1.5))
            logins += await asyncio.gather(*(_login(base, email) for _ in range(size)))
            during += await watcher
    return {
        "burst_size": size,
        "bursts": bursts,
        "healthz_alone_p50_ms": percentile(baseline, 50),
        "healthz_alone_p99_ms": percentile(baseline, 99),
        "healthz_during_logins_p50_ms": percentile(during, 50),
        "healthz_during_logins_p99_ms": percentile(during, 99),
        "login_p50_ms": percentile(logins, 50),
        "login_p99_ms": percentile(logins, 99),
    }


def bench_login_burst(env: BenchEnv, bursts: int) -> dict[str, Any]:
    job = asyncio.run(with_pool(seed_job(1)))
    port = free_port()
    web = env.start(
        "web-logins",
        ["serve", "--no-worker", "--no-migrate", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
    )
    try:
        return asyncio.run(_run(web.url or "", job.email, bursts=bursts, size=20))
    finally:
        web.stop()

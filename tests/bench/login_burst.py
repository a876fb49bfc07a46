"""Benchmark: does a burst of logins stall the rest of the server? Password hashing (argon2,
tens of ms of CPU each) runs on a small thread pool, so while 20 logins run at once the event
loop should still answer /healthz (and so webhooks, streams and pages) promptly. Measures
/healthz latency alone, then during repeated bursts of concurrent logins."""

from __future__ import annotations

import asyncio
import http.client
import multiprocessing
import secrets
import time
import urllib.parse
from typing import Any

import httpx

from app.accounts.service import create_user
from tests.bench.harness import BenchEnv, free_port, percentile, with_pool
from tests.bench.seed import PASSWORD, seed_job


def _probe(host: str, port: int, seconds: float, out: Any) -> None:
    """/healthz every 10 ms for `seconds`, from a process of its own: the bench's own login
    clients must not delay the measurement (one event loop for both did, by ~300 ms)."""
    latencies = []
    connection = http.client.HTTPConnection(host, port, timeout=30)
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        started = time.perf_counter()
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"/healthz answered {response.status}")
        time.sleep(0.01)
    out.put(latencies)


def _probing(base: str, seconds: float) -> tuple[Any, Any]:
    parts = urllib.parse.urlsplit(base)
    out: Any = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=_probe, args=(parts.hostname, parts.port, seconds, out), daemon=True
    )
    process.start()
    return process, out


async def _signed_out_browser(base: str) -> httpx.AsyncClient:
    """A browser on the login page, as a person is before pressing Log in."""
    client = httpx.AsyncClient(base_url=base, timeout=60)
    await client.get("/login")
    return client


async def _login(client: httpx.AsyncClient, email: str) -> float:
    started = time.perf_counter()
    response = await client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]},
    )
    if response.status_code not in (302, 303):
        raise RuntimeError(f"bench login answered {response.status_code}")
    return (time.perf_counter() - started) * 1000


async def _colleagues(organisation_id: Any, size: int) -> list[str]:
    """`size` users of one organisation: a burst is colleagues logging in at the same time
    (the same account twenty times at once would rightly be slowed as guessing)."""
    emails = [f"colleague{i}-{secrets.token_hex(3)}@example.com" for i in range(size)]
    for email in emails:
        await create_user(organisation_id, email, PASSWORD, "recruiter", "Colleague")
    return emails


async def _run(base: str, emails: list[str], bursts: int) -> dict[str, Any]:
    process, out = _probing(base, 2)
    baseline = await asyncio.to_thread(out.get)
    process.join()
    logins: list[float] = []
    during: list[float] = []
    for _ in range(bursts):
        browsers = [await _signed_out_browser(base) for _ in emails]
        process, out = _probing(base, 1.5)
        await asyncio.sleep(0.2)  # the probe is running before the burst starts
        logins += await asyncio.gather(
            *(_login(b, e) for b, e in zip(browsers, emails, strict=True))
        )
        during += await asyncio.to_thread(out.get)
        process.join()
        for browser in browsers:
            await browser.aclose()
    return {
        "burst_size": len(emails),
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
    organisation_id = job.assessment.organisation_id
    emails = asyncio.run(with_pool(_colleagues(organisation_id, 20)))
    port = free_port()
    web = env.start(
        "web-logins",
        ["serve", "--no-worker", "--no-migrate", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
    )
    try:
        return asyncio.run(_run(web.url or "", emails, bursts=bursts))
    finally:
        web.stop()

"""Benchmark 4: server time and SQL queries per page (job page, compare view, candidate page)
for jobs of 200, 2,000 and 20,000 invitations, read from the Server-Timing header. The
ceiling is the audit page on the same server: an authenticated page with one small query,
the floor of any page through the same stack (session lookup, template, layout)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from tests.bench.harness import BenchEnv, free_port, percentile, with_pool
from tests.bench.seed import PASSWORD, SeededJob, seed_job

TIMING = re.compile(r'db;dur=([\d.]+);desc="(\d+) queries", total;dur=([\d.]+)')


def login(client: httpx.Client, email: str) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]},
    )
    if response.status_code not in (200, 302, 303):
        raise RuntimeError(f"bench login failed: {response.status_code}")


def measure(client: httpx.Client, path: str, samples: int) -> dict[str, Any]:
    totals, queries = [], set()
    for _ in range(samples + 2):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
        match = TIMING.search(response.headers.get("server-timing", ""))
        if not match:
            raise RuntimeError(f"{path} has no Server-Timing header")
        totals.append(float(match.group(3)))
        queries.add(int(match.group(2)))
    totals = totals[2:]  # the first requests warm caches
    return {
        "p50_ms": percentile(totals, 50),
        "p99_ms": percentile(totals, 99),
        "queries": max(queries),
    }


def bench_pages(env: BenchEnv, sizes: tuple[int, ...], samples: int) -> dict[str, Any]:
    jobs: list[SeededJob] = [asyncio.run(with_pool(seed_job(size))) for size in sizes]
    port = free_port()
    web = env.start(
        "web-pages",
        ["serve", "--no-worker", "--no-migrate", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
    )
    by_size: dict[str, Any] = {}
    try:
        for job in jobs:
            with httpx.Client(base_url=web.url or "", timeout=60, follow_redirects=True) as client:
                login(client, job.email)
                floor = measure(client, "/audit", samples)
                pages = {
                    "job page": f"/jobs/{job.assessment.job_id}",
                    "compare": f"/jobs/{job.assessment.job_id}/compare",
                    "candidate page": f"/candidates/{job.candidate_id}",
                }
                by_size[str(job.size)] = {
                    name: {**measure(client, path, samples), "ceiling_p50_ms": floor["p50_ms"]}
                    for name, path in pages.items()
                }
    finally:
        web.stop()
    return {"by_size": by_size, "samples": samples}

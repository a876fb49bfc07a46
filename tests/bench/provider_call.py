"""Client CPU of one provider call: a GET of a 10 KB JSON body at concurrency 16, through the
provider HTTP layer (`app/providers/http.py`) and, for context, through httpx's own transport.
The server is a separate process, so only the caller's CPU is counted."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from typing import Any

import httpx

from app.providers.http import provider_http_client

SERVER = r"""
import asyncio, json, sys
body = json.dumps({"interview_id": "x", "padding": "a" * 10_000}).encode()
head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
async def serve(reader, writer):
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(head + body)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _cpu_ms_per_call(client: httpx.AsyncClient, calls: int, concurrency: int) -> float:
    async def one() -> None:
        response = await client.get("v1/interviews/x")
        response.raise_for_status()
        json.loads(response.content)

    await asyncio.gather(*(one() for _ in range(concurrency)))  # warm the pool
    queue = iter(range(calls))

    async def runner() -> None:
        for _ in queue:
            await one()

    started = time.process_time()
    await asyncio.gather(*(runner() for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / calls


async def _measure(url: str, calls: int, concurrency: int) -> dict[str, float]:
    cheap = provider_http_client(url)
    plain = httpx.AsyncClient(base_url=url)
    try:
        return {
            "cpu_ms_per_call": await _cpu_ms_per_call(cheap, calls, concurrency),
            "httpx_default_transport_cpu_ms_per_call": await _cpu_ms_per_call(
                plain, calls, concurrency
            ),
        }
    finally:
        await cheap.aclose()
        await plain.aclose()


def bench_provider_call(calls: int = 3_000, concurrency: int = 16) -> dict[str, Any]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()
        import uvloop  # the worker's loop, so the figure is the worker's cost

        result = uvloop.run(_measure(f"http://127.0.0.1:{port}/", calls, concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"calls": calls, "concurrency": concurrency, "body_bytes": 10_000, **result}

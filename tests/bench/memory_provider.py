"""A stand-in provider for the benchmarks: answers Ribbon's `GET /v1/interviews/{id}` from
interviews rendered once at start-up (as the sandbox renders them), so the figures measure
Hirewire's own cost. In production the provider's work runs on the provider's machines.

    python -m tests.bench.memory_provider --dsn DSN --flow FLOW_ID --port PORT

Hand-written on asyncio streams rather than a web framework on purpose: its CPU is reported
beside every figure and must stay a small share of the machine."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable

import asyncpg

from app import db
from app.providers.ribbon.sandbox.service import interview_json

PREFIX = b"/v1/interviews/"
NOT_FOUND = json.dumps({"message": "Interview not found"}).encode()


def response(status: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


async def rendered(dsn: str, flow_id: str) -> dict[bytes, bytes]:
    conn = await asyncpg.connect(dsn)
    await db.set_json_codecs(conn)  # jsonb as the app's own connections give it
    try:
        rows = await conn.fetch("SELECT * FROM sandbox_interview WHERE flow_id = $1", flow_id)
    finally:
        await conn.close()
    return {
        row["id"].encode(): response(b"200 OK", json.dumps(interview_json(row)).encode())
        for row in rows
    }


def serve(
    answers: dict[bytes, bytes],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    missing = response(b"404 Not Found", NOT_FOUND)
    healthy = response(b"200 OK", b'{"status": "ok"}')

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].split(b"?", 1)[0]
                if path == b"/healthz":
                    writer.write(healthy)
                    continue
                key = path[path.find(PREFIX) + len(PREFIX) :] if PREFIX in path else b""
                writer.write(answers.get(key, missing))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return connection


async def main(dsn: str, flow_id: str, port: int) -> None:
    answers = await rendered(dsn, flow_id)
    server = await asyncio.start_server(serve(answers), "127.0.0.1", port, backlog=512)
    print(f"ready {len(answers)}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--flow", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvloop

    uvloop.run(main(args.dsn, args.flow, args.port))

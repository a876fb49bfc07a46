"""Server-Timing on every response: total server time, and how many SQL queries the request
ran and how long they took. Operators see it in the browser's network panel; the page
benchmarks read it to prove the query count does not grow with the data."""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class RequestStats:
    queries: int = 0
    db_seconds: float = 0.0


_stats: ContextVar[RequestStats | None] = ContextVar("hirewire_request_stats", default=None)


def count_query(record: Any) -> None:
    """asyncpg query logger: runs (via call_soon) in a copy of the querying task's context,
    which holds the same RequestStats object, so the count reaches the request."""
    stats = _stats.get()
    if stats is not None:
        stats.queries += 1
        stats.db_seconds += float(getattr(record, "elapsed", 0.0) or 0.0)


async def instrument_connection(conn: Any) -> None:
    """Pool `init` hook: count every query run on this connection."""
    conn.add_query_logger(count_query)


def server_timing_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        stats = RequestStats()
        token = _stats.set(stats)
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(0)  # let query loggers scheduled with call_soon run first
                total_ms = (time.perf_counter() - started) * 1000
                value = (
                    f'db;dur={stats.db_seconds * 1000:.2f};desc="{stats.queries} queries", '
                    f"total;dur={total_ms:.2f}"
                )
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", value.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_with_timing)
        finally:
            _stats.reset(token)

    return middleware

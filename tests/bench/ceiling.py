"""The ingest ceiling: a minimal Litestar app that answers a webhook after one
`INSERT ... ON CONFLICT DO NOTHING` through asyncpg, served like `hirewire serve`."""

from __future__ import annotations

import argparse
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from litestar import Litestar, Request, get, post

POOL: dict[str, Any] = {}

SCHEMA = """CREATE TABLE IF NOT EXISTS bench_ceiling (
    key text PRIMARY KEY, body bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"""


@post("/webhooks/ribbon/{token:str}", status_code=202)
async def receive(request: Request[Any, Any, Any], token: str) -> dict[str, str]:
    body = await request.body()
    key = hashlib.sha256(body).hexdigest()
    await POOL["pool"].execute(
        "INSERT INTO bench_ceiling (key, body) VALUES ($1, $2) ON CONFLICT DO NOTHING", key, body
    )
    return {"status": "stored"}


@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=10)
    await pool.execute(SCHEMA)
    POOL["pool"] = pool
    yield
    await pool.close()


app = Litestar([receive, healthz], lifespan=[lifespan])

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)

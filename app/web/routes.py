"""The health endpoints (the home page is the dashboard's: app/dashboard/routes.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from litestar import Response, get

from app import db


@get("/healthz", name="healthz", exclude_from_auth=True, exclude_from_csrf=True)
async def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


@get("/readyz", name="readyz", exclude_from_auth=True)
async def readyz() -> Response[dict[str, Any]]:
    """Ready for traffic: the database answers and every migration is applied."""
    try:
        pending = await asyncio.wait_for(db.pending_migrations(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        down: dict[str, Any] = {
            "status": "unavailable",
            "database": "unreachable",
            "error": type(exc).__name__,
        }
        return Response(down, status_code=503)
    if pending:
        waiting: dict[str, Any] = {
            "status": "unavailable",
            "database": "ok",
            "pending_migrations": pending,
        }
        return Response(waiting, status_code=503)
    return Response({"status": "ok", "database": "ok", "pending_migrations": []})


PUBLIC_ROUTES = [healthz, readyz]

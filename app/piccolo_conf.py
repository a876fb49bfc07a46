"""Piccolo's configuration: one PostgreSQL engine, Hirewire's app and the sandbox's. The DSN is
set at start-up."""

import os

import asyncpg
from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from app.db import set_json_codecs


class HirewireEngine(PostgresEngine):
    """Piccolo probes the server version when the engine is built, which is before app.db
    has set the real DSN; the probe would hit the placeholder, so it is skipped (we require
    PostgreSQL 15 or newer and say so in the README)."""

    async def check_version(self) -> None:
        return None

    async def get_new_connection(self) -> asyncpg.Connection:
        """A connection outside the pool (no pool started, as in some CLI commands) decodes
        json and jsonb as the pool's connections do."""
        conn = await super().get_new_connection()
        await set_json_codecs(conn)
        return conn


# The placeholder DSN is replaced by app.db.configure() before any connection is made;
# Piccolo's own CLI (piccolo migrations ...) uses DATABASE_URL directly.
DB = HirewireEngine(
    config={"dsn": os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hirewire")},
    extensions=(),
    log_queries=False,
)

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app", "app.providers.ribbon.sandbox.piccolo_app"])

"""The database: where it is (an embedded PostgreSQL when DATABASE_URL is unset), the Piccolo
engine's pool, migrations, and the helpers that run SQL inside Piccolo's transactions."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from app.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

SANDBOX_APP = "ribbon_sandbox"  # the sandbox's migration set, applied only where it runs
# Hirewire's migrations folder (app/piccolo_app.py gives it to Piccolo).
MIGRATIONS_FOLDER = PROJECT_ROOT / "migrations"
MIGRATION_LOCK_ID = 7_420_001  # pg_advisory_lock key: one migrator at a time across processes

# What "the database is unavailable" looks like from asyncpg and the pool: answered with 503.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
# SQLSTATE classes that mean "the server cannot serve now": connection exception, insufficient
# resources, operator intervention (shutdown, starting up), system error.
UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})


def unavailable(exc: BaseException) -> bool:
    """The exception says the database cannot serve now (down, restarting, out of slots)."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    state = getattr(exc, "sqlstate", None)
    return isinstance(exc, asyncpg.PostgresError) and str(state or "")[:2] in UNAVAILABLE_CLASSES


def outage(exc: BaseException) -> bool:
    """`unavailable`, raised while talking to the database: an OSError or a timeout from
    anything else (a file, the provider) is no outage. Connecting raises plain OSErrors and the
    pool plain timeouts, so where it was raised decides."""
    if not unavailable(exc):
        return False
    if type(exc).__module__.startswith("asyncpg"):
        return True
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(("asyncpg", "piccolo.engine", __name__)):
            return True
        tb = tb.tb_next
    return False


def engine() -> PostgresEngine:
    found = engine_finder()
    if not isinstance(found, PostgresEngine):
        raise RuntimeError("Piccolo has no PostgreSQL engine; is PICCOLO_CONF=app.piccolo_conf?")
    return found


def configure(dsn: str) -> None:
    """Point the engine at `dsn`. Call before the pool starts or any query runs."""
    engine().config = {"dsn": dsn}


def current_dsn() -> str:
    return str(engine().config["dsn"])


def _encode_json(value: Any) -> str:
    """A str is JSON text already (a request body stored as it came, or Piccolo's own
    serialisation of a JSONB column's value) and is sent unchanged; anything else is encoded.
    So a bare string is never a JSON value of its own: pass `json.dumps(text)` for that."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


async def set_json_codecs(conn: asyncpg.Connection) -> None:
    """json and jsonb values arrive as Python objects and go in from them, on every connection
    the app's queries use (the pool's and Piccolo's own new ones). A query that only passes a
    stored body on as text (webhook processing's payload) selects it `::text`: not decoded."""
    for name in ("jsonb", "json"):
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=_encode_json, decoder=json.loads, format="text"
        )


ConnectionHook = Callable[[asyncpg.Connection], Awaitable[None]]


async def start_pool(max_size: int = 10, init: ConnectionHook | None = None) -> None:
    """Start the engine's pool with the json codecs on each new connection. `init` runs after
    them: the web app passes its query counter (app.web.timing), so this module needs nothing
    from the layers above it."""

    async def init_connection(conn: asyncpg.Connection) -> None:
        await set_json_codecs(conn)
        if init is not None:
            await init(conn)

    eng = engine()
    if eng.pool is None:
        await eng.start_connection_pool(
            min_size=1, max_size=max_size, init=init_connection, reset=_keep_session
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool `reset` hook: nothing to send. asyncpg still rolls back an open transaction and drops
    listener callbacks on release; its default reset adds a round trip per release (UNLISTEN *,
    RESET ALL, ...) for session state this app never leaves on a pooled connection (LISTEN,
    advisory locks and session settings live on dedicated connections)."""
    return None


async def close_pool() -> None:
    eng = engine()
    if eng.pool is not None:
        await eng.close_connection_pool()
        eng.pool = None


def _connection() -> Any:
    """The connection of Piccolo's current transaction, if one is open."""
    transaction = engine().current_transaction.get()
    return transaction.connection if transaction else None


async def fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    """Run SQL ($1-style parameters) inside the current Piccolo transaction, else on the pool."""
    conn = _connection()
    if conn is not None:
        return list(await conn.fetch(sql, *args))
    pool = engine().pool
    if pool is None:
        return list(await engine()._run_in_new_connection(sql, list(args)))
    async with pool.acquire() as pooled:
        return list(await pooled.fetch(sql, *args))


async def fetchrow(sql: str, *args: Any) -> asyncpg.Record | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


async def fetchval(sql: str, *args: Any) -> Any:
    row = await fetchrow(sql, *args)
    return None if row is None else row[0]


async def executemany(sql: str, args: Sequence[Sequence[Any]]) -> None:
    """Run one statement once per argument tuple, pipelined (one round trip for all of them),
    inside the current Piccolo transaction, else on the pool; results are discarded."""
    conn = _connection()
    if conn is not None:
        await conn.executemany(sql, args)
        return
    pool = engine().pool
    if pool is None:
        raise RuntimeError("executemany needs a transaction or the pool")
    async with pool.acquire() as pooled:
        await pooled.executemany(sql, args)


def transaction() -> Any:
    return engine().transaction()


def sql_migration(
    migration_id: str, description: str, sql: str, app_name: str = "hirewire"
) -> Callable[[], Awaitable[Any]]:
    """A Piccolo migration that runs plain SQL in the migration's transaction."""

    async def forwards() -> MigrationManager:
        manager = MigrationManager(
            migration_id=migration_id, app_name=app_name, description=description
        )

        async def run() -> None:
            conn = _connection()
            if conn is None:
                raise RuntimeError("migrations run inside a transaction")
            await conn.execute(sql)

        manager.add_raw(run)
        return manager

    return forwards


def migration_ids() -> list[str]:
    folder = MIGRATIONS_FOLDER
    ids = []
    for path in sorted(folder.glob("hirewire_*.py")):
        for line in path.read_text().splitlines():
            if line.startswith("ID = "):
                ids.append(line.split("=", 1)[1].strip().strip("\"'"))
    return sorted(ids)


async def migrate(quiet: bool = False, sandbox: bool = False) -> list[str]:
    """Apply pending migrations, one process at a time. Returns the ids applied. `sandbox`
    also applies the Ribbon sandbox's own set, after Hirewire's (development and tests)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    apps = ["hirewire", SANDBOX_APP] if sandbox else ["hirewire"]
    conn = await asyncpg.connect(current_dsn())
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        before = set(await applied_migrations(conn, apps))
        out = io.StringIO()
        for app_name in apps:
            with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
                result = await run_forwards(app_name=app_name)
            if not result.success:
                raise RuntimeError(f"migrations failed: {result.message or out.getvalue()}")
        after = await applied_migrations(conn, apps)
        return [m for m in after if m not in before]
    finally:
        with contextlib.suppress(Exception):
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
        await conn.close()


async def applied_migrations(
    conn: asyncpg.Connection, apps: Sequence[str] = ("hirewire",)
) -> Sequence[str]:
    exists = await conn.fetchval("SELECT to_regclass('public.migration') IS NOT NULL")
    if not exists:
        return []
    rows = await conn.fetch(
        "SELECT name FROM migration WHERE app_name = ANY($1::text[]) ORDER BY name", list(apps)
    )
    return [r["name"] for r in rows]


async def pending_migrations() -> list[str]:
    """Migration ids in the code that the database has not applied (for /readyz)."""
    conn = await asyncpg.connect(current_dsn(), timeout=3)
    try:
        applied = set(await applied_migrations(conn))
    finally:
        await conn.close()
    return [m for m in migration_ids() if m not in applied]

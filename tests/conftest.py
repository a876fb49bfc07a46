"""Shared fixtures: one throwaway PostgreSQL per test session (an embedded cluster, or a fresh
database on DATABASE_URL's server), migrations applied once, tables emptied after each test."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import app.background  # noqa: F401  (registers every feature's job kinds)
from app import db, embedded_db
from app.settings import PROJECT_ROOT, Settings
from app.web.timing import instrument_connection

TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the shared live server run last: its in-process worker would otherwise
    claim jobs that in-process tests queue and expect to run themselves."""
    items.sort(key=lambda item: "live_server" in getattr(item, "fixturenames", ()))


@dataclass(frozen=True)
class TestDatabase:
    dsn: str
    server_dsn: str
    name: str
    pgdata: Path | None  # set when the suite runs its own embedded cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def test_database() -> Iterator[TestDatabase]:
    given = os.environ.get("DATABASE_URL")
    name = f"hirewire_test_{os.getpid()}_{secrets.token_hex(3)}"
    pgdata = None
    if given:
        server_dsn = given
    else:
        root = Path(tempfile.mkdtemp(prefix="hwtest-"))
        pgdata = root / "pg"
        server_dsn = embedded_db.start(pgdata)
    dsn = asyncio.run(embedded_db.ensure_database(server_dsn, name))
    db.configure(dsn)
    asyncio.run(db.migrate(quiet=True, sandbox=True))
    yield TestDatabase(dsn=dsn, server_dsn=server_dsn, name=name, pgdata=pgdata)
    try:
        asyncio.run(embedded_db.drop_database(server_dsn, name))
    except Exception as exc:  # the server may already be stopping
        print(f"could not drop {name}: {exc}", file=sys.stderr)


@pytest.fixture(scope="session")
def settings(test_database: TestDatabase) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": test_database.dsn,
            "SECRET_KEY": TEST_SECRET_KEY,
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "HIREWIRE_DATA_DIR": str(Path(tempfile.gettempdir()) / "hirewire-test-data"),
            "LOG_JSON": "1",
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture(scope="session")
async def pool(test_database: TestDatabase) -> AsyncIterator[None]:
    db.configure(test_database.dsn)
    await db.start_pool(max_size=10, init=instrument_connection)
    yield
    await db.close_pool()


TABLES_KEPT = {"migration"}


async def truncate_all() -> None:
    rows = await db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1))",
        list(TABLES_KEPT),
    )
    if rows:
        names = ", ".join(f'"{r["tablename"]}"' for r in rows)
        await db.fetch(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
async def clean_db(pool: None) -> AsyncIterator[None]:
    yield
    await truncate_all()


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own: anyio requires it to start and end in
    the same task, and pytest-asyncio finalises fixtures in another."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    await asyncio.wait(
        {task, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED
    )
    if task.done():
        task.result()
    try:
        yield
    finally:
        stop.set()
        await task


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this test's event loop (so it shares the pool), with its lifespan run.
    Litestar's AsyncTestClient runs the app through a portal on another loop, which an
    asyncpg pool cannot cross."""
    from app.asgi import create_app

    app = create_app(settings, run_worker=False)
    async with (
        running(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),  # type: ignore[arg-type]
            base_url="http://127.0.0.1:8000",
        ) as c,
    ):
        yield c


@pytest.fixture
async def client(settings: Settings, clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings) as c:
        yield c


@dataclass
class Account:
    organisation_id: Any
    user_id: Any
    email: str
    password: str
    role: str


@pytest.fixture
def make_account(clean_db: None) -> Any:
    from app.accounts.service import create_organisation, create_user
    from app.crypto import SecretBox

    async def make(
        org_name: str = "Org",
        role: str = "admin",
        email: str | None = None,
        organisation_id: Any = None,
        ribbon_api_key: str | None = None,
    ) -> Account:
        if organisation_id is None:
            organisation_id = await create_organisation(
                org_name, ribbon_api_key, SecretBox(TEST_SECRET_KEY)
            )
        email = email or f"{secrets.token_hex(4)}@example.com"
        password = "correct-horse-battery"
        user_id = await create_user(organisation_id, email, password, role, name="Test User")
        return Account(organisation_id, user_id, email, password, role)

    return make


async def csrf_token(client: httpx.AsyncClient) -> str:
    """The CSRF cookie the app sets on a safe request, for forms posted in tests."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return str(client.cookies["csrftoken"])


async def login(client: httpx.AsyncClient, account: Account) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"email": account.email, "password": account.password, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code in (301, 302, 303), response.text


async def form_post(
    client: httpx.AsyncClient, url: str, data: dict[str, Any], **kwargs: Any
) -> Any:
    token = await csrf_token(client)
    return await client.post(url, data={**data, "_csrf_token": token}, **kwargs)


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_process(
    args: list[str], env_extra: dict[str, str], test_database: TestDatabase, name: str
) -> tuple[subprocess.Popen[bytes], Path]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database.dsn,
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "HIREWIRE_DATA_DIR": str(Path(tempfile.gettempdir()) / "hirewire-test-data"),
        **env_extra,
    }
    log_path = Path(tempfile.mkstemp(prefix=f"hw-{name}-", suffix=".log")[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, log_path


def start_server(
    test_database: TestDatabase,
    env_extra: dict[str, str] | None = None,
    worker: bool = True,
    port: int | None = None,
    migrate: bool = False,
) -> LiveServer:
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PUBLIC_BASE_URL": url,
        "RIBBON_API_BASE": f"{url}/sandbox/api",
        "SANDBOX_ENABLED": "1",
        **(env_extra or {}),
    }
    args = ["serve", "--port", str(port), "--migrate" if migrate else "--no-migrate"]
    args += [] if worker else ["--no-worker"]
    process, log_path = start_process(args, env, test_database, f"serve-{port}")
    server = LiveServer(url, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


@pytest.fixture(scope="session")
def live_server(test_database: TestDatabase) -> Iterator[LiveServer]:
    server = start_server(test_database)
    yield server
    server.stop()


@dataclass
class PrivateCluster:
    """An embedded PostgreSQL of a test's own, which the test may stop and restart."""

    pgdata: Path
    dsn: str

    def stop(self) -> None:
        embedded_db.stop(self.pgdata)

    def restart(self) -> None:
        embedded_db.restart(self.pgdata)

    def as_test_database(self) -> TestDatabase:
        return TestDatabase(dsn=self.dsn, server_dsn=self.dsn, name="hirewire", pgdata=self.pgdata)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    """For outage tests: never stop the shared test database, stop this one instead."""
    root = Path(tempfile.mkdtemp(prefix="hwprivate-"))
    pgdata = root / "pg"
    server_dsn = embedded_db.start(pgdata, stop_at_exit=False)
    dsn = asyncio.run(embedded_db.ensure_database(server_dsn, "hirewire"))
    cluster = PrivateCluster(pgdata=pgdata, dsn=dsn)
    yield cluster
    try:
        embedded_db.stop(pgdata)
    except Exception as exc:
        print(f"private cluster already stopped: {exc}", file=sys.stderr)

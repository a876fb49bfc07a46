"""Operating the app: the CLI's contract, readiness when the database goes away, schema drift."""

from __future__ import annotations

import subprocess
import sys
import time

import asyncpg
import httpx

from app import db, embedded_db
from app.piccolo_app import APP_CONFIG
from app.providers.ribbon.sandbox.piccolo_app import APP_CONFIG as SANDBOX_CONFIG
from app.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET_KEY, start_server


def hirewire(*args: str, dsn: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": dsn, "SECRET_KEY": TEST_SECRET_KEY, "PATH": "/usr/bin:/bin", **env},
        timeout=60,
        check=False,
    )


async def test_cli_creates_org_user_and_token_printing_them_last(test_database, clean_db):
    org = hirewire("create-org", "--name", "Initech", dsn=test_database.dsn)
    assert org.returncode == 0, org.stderr
    org_id = org.stdout.strip().splitlines()[-1]
    assert (
        await db.fetchval("SELECT name FROM organisation WHERE id = $1::uuid", org_id) == "Initech"
    )

    user = hirewire(
        "create-user",
        "--org",
        org_id,
        "--email",
        "Ops@Example.com",
        "--password",
        "a-long-password",
        "--role",
        "admin",
        dsn=test_database.dsn,
    )
    assert user.returncode == 0, user.stderr
    user_id = user.stdout.strip().splitlines()[-1]
    assert (
        await db.fetchval("SELECT email FROM app_user WHERE id = $1::uuid", user_id)
        == "ops@example.com"
    )

    token = hirewire("create-api-token", "--email", "ops@example.com", dsn=test_database.dsn)
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("hwt_")


async def test_cli_sets_a_password_and_ends_the_users_sessions(
    test_database, clean_db, make_account
):
    account = await make_account()
    from app.accounts.service import session_user, start_session

    token = await start_session(account.user_id, "127.0.0.1", "test", 3600)
    done = hirewire(
        "set-password",
        "--email",
        account.email.upper(),
        "--password",
        "another-long-one",
        dsn=test_database.dsn,
    )
    assert done.returncode == 0, done.stderr
    assert "sessions have ended" in done.stdout
    assert await session_user(token) is None
    unknown = hirewire(
        "set-password",
        "--email",
        "nobody@example.com",
        "--password",
        "another-long-one",
        dsn=test_database.dsn,
    )
    assert unknown.returncode != 0
    assert "no active user" in unknown.stderr
    short = hirewire(
        "set-password", "--email", account.email, "--password", "short", dsn=test_database.dsn
    )
    assert short.returncode != 0
    assert "at least 10 characters" in short.stderr
    assert "Traceback" not in short.stderr + unknown.stderr


async def test_cli_errors_are_one_line_without_traceback(test_database, clean_db):
    bad_org = hirewire(
        "create-user",
        "--org",
        "not-a-uuid",
        "--email",
        "a@b.co",
        "--password",
        "a-long-password",
        dsn=test_database.dsn,
    )
    assert bad_org.returncode != 0
    assert "Traceback" not in bad_org.stderr
    assert "--org must be an organisation id" in bad_org.stderr

    short = hirewire("create-org", "--name", "", dsn=test_database.dsn)
    assert short.returncode != 0
    assert "Traceback" not in short.stderr
    assert "name" in short.stderr

    missing = hirewire("create-api-token", "--email", "nobody@example.com", dsn=test_database.dsn)
    assert missing.returncode != 0
    assert "No user with email" in missing.stderr


def test_readyz_fails_while_the_database_is_stopped(private_cluster):
    server = start_server(private_cluster.as_test_database(), worker=False, migrate=True)
    try:
        assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200
        private_cluster.stop()
        down = httpx.get(f"{server.url}/readyz", timeout=10)
        assert down.status_code == 503
        assert down.json()["database"] == "unreachable"
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        private_cluster.restart()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("readyz did not recover after the database came back")
    finally:
        server.stop()


def test_every_route_answers_503_with_a_message_while_the_database_is_stopped(private_cluster):
    """Pages, fragments, forms and the API all answer 503 with a message (a page for the
    browser, JSON for programs) and Retry-After while the database is down, not 500; and they
    work again once it is back."""
    dsn = private_cluster.dsn
    server = start_server(private_cluster.as_test_database(), worker=False, migrate=True)
    try:
        org = hirewire("create-org", "--name", "Outage", dsn=dsn).stdout.strip().splitlines()[-1]
        password = "outage-password-1"
        made = hirewire(
            "create-user",
            "--org",
            org,
            "--email",
            "o@example.com",
            "--password",
            password,
            "--role",
            "admin",
            dsn=dsn,
        )
        assert made.returncode == 0, made.stderr
        token = hirewire("create-api-token", "--email", "o@example.com", dsn=dsn)
        api = {"Authorization": f"Bearer {token.stdout.strip().splitlines()[-1]}"}
        web = httpx.Client(base_url=server.url, timeout=20)
        web.get("/login")
        csrf = {"_csrf_token": web.cookies["csrftoken"]}
        signed_in = web.post(
            "/login", data={"email": "o@example.com", "password": password, **csrf}
        )
        assert signed_in.status_code in (302, 303), signed_in.text[:300]
        csrf = {"_csrf_token": web.cookies["csrftoken"]}  # a fresh one comes with the session
        created = web.post("/jobs", data={"title": "Before the outage", **csrf})
        job = created.headers["location"].split("/jobs/")[1].split("?")[0]
        assert web.get(f"/jobs/{job}").status_code == 200

        private_cluster.stop()
        pages = [
            web.get("/"),
            web.get(f"/jobs/{job}"),
            web.get("/deliveries"),
            web.post("/jobs", data={"title": "During the outage", **csrf}),
            httpx.post(
                f"{server.url}/login",
                data={"email": "o@example.com", "password": password, **csrf},
                cookies={"csrftoken": csrf["_csrf_token"]},
                timeout=20,
            ),
        ]
        for page in pages:
            where = f"{page.request.method} {page.request.url.path}"
            assert page.status_code == 503, (where, page.status_code, page.text[:300])
            assert "text/html" in page.headers["content-type"], where
            assert "database" in page.text.lower(), (where, page.text[:300])
            assert page.headers.get("retry-after"), where
        fragment = web.get(f"/jobs/{job}", headers={"HX-Request": "true"})
        assert fragment.status_code == 503
        assert "database" in fragment.headers.get("hx-trigger", "").lower()
        for response in [
            httpx.get(f"{server.url}/api/v1/jobs", headers=api, timeout=20),
            httpx.post(f"{server.url}/api/v1/jobs", json={"title": "X"}, headers=api, timeout=20),
            httpx.get(f"{server.url}/api/v1/jobs/{job}", headers=api, timeout=20),
        ]:
            assert response.status_code == 503, (response.request.url.path, response.text[:300])
            body = response.json()
            assert "database" in body["message"].lower(), body
            assert response.headers.get("retry-after")
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        assert "request_failed" not in server.log()  # an outage is not logged as a bug

        private_cluster.restart()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if web.get(f"/jobs/{job}").status_code == 200:
                break
            time.sleep(0.3)
        else:
            raise AssertionError("pages did not recover after the database came back")
        assert httpx.get(f"{server.url}/api/v1/jobs", headers=api, timeout=20).status_code == 200
    finally:
        server.stop()


async def test_readyz_reports_pending_migrations(client):
    await db.fetch("UPDATE migration SET name = name || '-renamed' WHERE app_name = 'hirewire'")
    try:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["pending_migrations"]
    finally:
        await db.fetch(
            "UPDATE migration SET name = replace(name, '-renamed', '') WHERE app_name = 'hirewire'"
        )


async def test_piccolo_tables_match_the_migrated_schema(pool):
    """Migrations are hand-written SQL; every Piccolo column must exist with that name."""
    for table in [*APP_CONFIG.table_classes, *SANDBOX_CONFIG.table_classes]:
        name = table._meta.tablename
        rows = await db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", name
        )
        in_db = {r["column_name"] for r in rows}
        assert in_db, f"table {name} is missing from the database"
        in_code = {c._meta.db_column_name for c in table._meta.columns}
        assert in_code == in_db, f"{name}: code-only {in_code - in_db}, db-only {in_db - in_code}"


async def test_a_production_database_has_no_sandbox_tables(test_database):
    """`hirewire migrate` without SANDBOX_ENABLED leaves no sandbox table behind (hirewire_0100
    created them everywhere once); with it, the sandbox's own set brings them back."""
    name = f"{test_database.name}_prod"
    dsn = await embedded_db.ensure_database(test_database.server_dsn, name)
    try:
        sandbox_tables = (
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename LIKE 'sandbox\\_%'"
        )
        assert hirewire("migrate", dsn=dsn).returncode == 0
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval(sandbox_tables) == 0
            assert await conn.fetchval("SELECT to_regclass('public.invitation') IS NOT NULL")
        finally:
            await conn.close()
        result = hirewire("migrate", dsn=dsn, SANDBOX_ENABLED="1")
        assert result.returncode == 0, result.stderr
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval(sandbox_tables) == 4
        finally:
            await conn.close()
    finally:
        await embedded_db.drop_database(test_database.server_dsn, name)

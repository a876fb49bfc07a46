"""The `hirewire` command line (also `python -m app`). Commands that create something print
its id, or the token, alone on the last line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

import asyncpg
import click
import uvloop

from app import db, embedded_db
from app.accounts import service as accounts
from app.accounts import team, tokens
from app.accounts.service import AccountError
from app.crypto import SecretBox
from app.logs import configure as configure_logging
from app.queue.worker import WORKER_CONCURRENCY, WORKER_POOL_SIZE
from app.settings import Settings, SettingsError, refuse_public_sandbox

T = TypeVar("T")
DEV_DATABASE = "hirewire"


class CommandError(click.ClickException):
    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def friendly_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn expected failures into one clear line and exit code 1, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (AccountError, SettingsError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        except (OSError, asyncpg.PostgresError) as exc:
            raise CommandError(f"database problem: {exc}") from None

    return wrapper


def load_settings() -> Settings:
    return Settings.from_env()


def resolve_database(settings: Settings) -> Settings:
    """Use DATABASE_URL, or start the embedded PostgreSQL under the data folder. The URL is put
    in the environment so processes started from this one use the same database."""
    if settings.database_url:
        db.configure(settings.database_url)
        return settings
    server_dsn = embedded_db.start(settings.data_dir / "postgres", say=_say)
    dsn = asyncio.run(embedded_db.ensure_database(server_dsn, DEV_DATABASE))
    os.environ["DATABASE_URL"] = dsn
    db.configure(dsn)
    return settings.with_(database_url=dsn)


def _say(line: str) -> None:
    click.echo(line, err=True)


def run_with_pool(coro_fn: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        await db.start_pool(max_size=2)
        try:
            return await coro_fn()
        finally:
            await db.close_pool()

    return asyncio.run(main())


@click.group()
def main() -> None:
    """Hirewire: AI interview assessments with results that land live."""


@main.command()
@friendly_errors
def migrate() -> None:
    """Apply database migrations (and the sandbox's, with SANDBOX_ENABLED=1)."""
    settings = resolve_database(load_settings())
    applied = asyncio.run(db.migrate(quiet=True, sandbox=settings.sandbox_enabled))
    click.echo(f"applied {len(applied)} migration(s)" if applied else "database is up to date")


@main.command()
@friendly_errors
def database() -> None:
    """Start the embedded PostgreSQL (unless DATABASE_URL is set) and print its URL."""
    settings = resolve_database(load_settings())
    click.echo(settings.database_url)
    if not os.environ.get("HIREWIRE_DB_NO_WAIT") and settings.data_dir and sys.stdin.isatty():
        click.echo("embedded PostgreSQL is running; press Ctrl+C to stop it", err=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not run a background worker in this process.")
@click.option("--migrate/--no-migrate", "run_migrations", default=True, show_default=True)
@friendly_errors
def serve(host: str, port: int, no_worker: bool, run_migrations: bool) -> None:
    """Serve the dashboard, the API and the webhook endpoint."""
    settings = load_settings()
    refuse_public_sandbox(settings, host)
    settings = resolve_database(settings)
    if run_migrations:
        asyncio.run(db.migrate(quiet=True, sandbox=settings.sandbox_enabled))
    _serve(settings, host, port, run_worker=not no_worker)


def _serve(settings: Settings, host: str, port: int, run_worker: bool) -> None:
    # The web app and every feature load only for the commands that serve (1 s of imports).
    import uvicorn

    from app.asgi import create_app

    app = create_app(settings, run_worker=run_worker)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
        lifespan="on",
        # X-Forwarded-For and -Proto only from the proxies FORWARDED_ALLOW_IPS names; none by
        # default (uvicorn's own default trusts 127.0.0.1, so any local process could lie).
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or "",
    )
    uvicorn.Server(config).run()


@main.command()
@click.option("--concurrency", default=WORKER_CONCURRENCY, show_default=True, type=int)
@click.option(
    "--lease-seconds",
    default=60,
    show_default=True,
    type=click.IntRange(2, 3600),
    help="How long a claimed job is this worker's before another may take it over.",
)
@friendly_errors
def worker(concurrency: int, lease_seconds: int) -> None:
    """Run a background worker until SIGTERM or Ctrl+C (running jobs finish or are released)."""
    settings = resolve_database(load_settings())
    # Every feature loads only for the worker (registering its job kinds), not for each command.
    import app.background  # noqa: F401
    from app.queue.worker import Worker

    configure_logging(settings.log_level, settings.log_json)

    async def run() -> None:
        await db.start_pool(max_size=min(concurrency + 2, WORKER_POOL_SIZE))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        running = await Worker(
            settings, concurrency=concurrency, lease_seconds=lease_seconds
        ).start()
        await stop.wait()
        await running.stop(grace_seconds=10)
        await db.close_pool()

    # uvloop, as `serve` gets from uvicorn: the worker is socket-bound (provider calls and
    # SQL), and the standard loop's transports were a sixth of its CPU in `just bench`.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run())


@main.command("create-org")
@click.option("--name", required=True)
@click.option("--ribbon-api-key", default=None, help="The organisation's Ribbon API key.")
@friendly_errors
def create_org(name: str, ribbon_api_key: str | None) -> None:
    """Create an organisation; prints its id."""
    settings = resolve_database(load_settings())
    box = SecretBox(settings.secret_key)
    org_id = run_with_pool(lambda: accounts.create_organisation(name, ribbon_api_key, box))
    click.echo(str(org_id))


@main.command("create-user")
@click.option("--org", "org_id", required=True, help="Organisation id.")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option(
    "--role", type=click.Choice(["admin", "recruiter"]), default="recruiter", show_default=True
)
@click.option("--name", default="")
@friendly_errors
def create_user(org_id: str, email: str, password: str, role: str, name: str) -> None:
    """Create a user in an organisation; prints the user's id."""
    try:
        organisation_id = uuid.UUID(org_id)
    except ValueError:
        raise CommandError(f"--org must be an organisation id (a UUID), got {org_id!r}") from None
    resolve_database(load_settings())
    user_id = run_with_pool(
        lambda: accounts.create_user(organisation_id, email, password, role, name)
    )
    click.echo(str(user_id))


@main.command("set-password")
@click.option("--email", required=True, help="The user whose password to set.")
@click.password_option(help="The new password (asked for, twice, when not given).")
@friendly_errors
def set_password(email: str, password: str) -> None:
    """Set a user's password (when no email can reach them); every session of theirs ends."""

    async def run() -> None:
        user_id = await accounts.user_id_by_email(email)
        if user_id is None:
            raise CommandError(f"no active user has the email {email!r}")
        try:
            await accounts.change_password(user_id, password)
        except AccountError as exc:
            raise CommandError(str(exc)) from None

    resolve_database(load_settings())
    run_with_pool(run)
    click.echo(f"password set for {email}; their sessions have ended")


@main.command("create-api-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="cli")
@click.option(
    "--expires-days",
    type=click.Choice(["7", "30", "90", "365", "never"]),
    default="never",
    show_default=True,
)
@friendly_errors
def create_api_token(email: str, name: str, expires_days: str) -> None:
    """Create an API token; prints it once (only its hash is stored)."""
    days = None if expires_days == "never" else int(expires_days)
    resolve_database(load_settings())
    click.echo(run_with_pool(lambda: accounts.create_api_token(email, name, days)))


@main.command("list-api-tokens")
@click.option("--email", required=True, help="Whose tokens.")
@friendly_errors
def list_api_tokens(email: str) -> None:
    """A user's API tokens, one a line: id, prefix, state, name (never the tokens)."""

    async def run() -> list[dict[str, Any]]:
        return await tokens.list_tokens(await accounts.user_id_for(email))

    resolve_database(load_settings())
    for row in run_with_pool(run):
        click.echo(f"{row['id']}  {row['prefix']}...  {row['state']:<8} {row['name']}")


@main.command("revoke-api-token")
@click.option("--email", required=True, help="Whose token.")
@click.option("--id", "token_id", required=True, help="The token's id (list-api-tokens).")
@friendly_errors
def revoke_api_token(email: str, token_id: str) -> None:
    """Revoke one of a user's API tokens; it stops working at once."""
    try:
        wanted = uuid.UUID(token_id)
    except ValueError:
        raise CommandError(f"--id must be a token id (a UUID), got {token_id!r}") from None

    async def run() -> dict[str, Any] | None:
        return await tokens.revoke_token(await accounts.user_id_for(email), wanted)

    resolve_database(load_settings())
    if run_with_pool(run) is None:
        raise CommandError(f"{email} has no token {token_id}")
    click.echo(f"revoked {token_id}")


@main.command("deactivate-user")
@click.option("--email", required=True)
@friendly_errors
def deactivate_user(email: str) -> None:
    """Deactivate a user: they cannot log in, and every session and API token of theirs is
    revoked (reactivating them later revives none)."""
    resolve_database(load_settings())
    revoked = run_with_pool(lambda: team.deactivate_by_email(email))
    click.echo(f"deactivated {email}; {revoked} sessions and tokens revoked")


@main.command()
@friendly_errors
def demo() -> None:
    """Seed a demo organisation, login and data (safe to run again)."""
    from app.demo import seed_demo  # loads every feature: only for the commands that seed

    settings = resolve_database(load_settings())
    asyncio.run(db.migrate(quiet=True, sandbox=settings.sandbox_enabled))
    login = run_with_pool(lambda: seed_demo(settings))
    click.echo(f"demo login: {login.email} / {login.password}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@friendly_errors
def dev(host: str, port: int) -> None:
    """Everything `just dev` needs: database, migrations, demo data, sandbox, dashboard."""
    from app.demo import seed_demo  # loads every feature: only for the commands that seed

    base = f"http://{host}:{port}"
    os.environ.setdefault("SANDBOX_ENABLED", "1")
    os.environ.setdefault("PUBLIC_BASE_URL", base)
    os.environ.setdefault("RIBBON_API_BASE", f"{base}/sandbox/api")
    os.environ.setdefault("LOG_JSON", "0")
    settings = load_settings()
    refuse_public_sandbox(settings, host)  # `--host 0.0.0.0` would publish the sandbox
    settings = resolve_database(settings)
    asyncio.run(db.migrate(quiet=True, sandbox=settings.sandbox_enabled))
    login = run_with_pool(lambda: seed_demo(settings))
    click.echo("")
    click.echo(f"  Hirewire is starting on {base}")
    click.echo(f"  Log in as {login.email} / {login.password}")
    click.echo(f"  Database: {settings.database_url}")
    click.echo(f"  Ribbon sandbox: {base}/sandbox/ (interview links, knobs at /sandbox/api/admin)")
    click.echo("")
    _serve(settings, host, port, run_worker=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
@click.option("--migrate/--no-migrate", "run_migrations", default=True, show_default=True)
@friendly_errors
def sandbox(host: str, port: int, run_migrations: bool) -> None:
    """Run the Ribbon sandbox alone (same database); point RIBBON_API_BASE at its /sandbox/api."""
    # The sandbox's web app loads only for this command.
    import uvicorn

    from app.providers.ribbon.sandbox.standalone import create_sandbox_app

    settings = load_settings()
    refuse_public_sandbox(settings.with_(sandbox_enabled=True), host)
    settings = resolve_database(settings)
    if run_migrations:
        asyncio.run(db.migrate(quiet=True, sandbox=True))
    click.echo(f"Ribbon sandbox on http://{host}:{port}")
    click.echo(f"  RIBBON_API_BASE=http://{host}:{port}/sandbox/api")
    click.echo(f"  interviews: http://{host}:{port}/sandbox/")
    app = create_sandbox_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

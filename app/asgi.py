"""The composition root: builds the Litestar app from settings and every feature's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import LifeSpanReceive, LifeSpanScope, LifeSpanSend, Receive, Scope, Send

import app.background  # noqa: F401  (registers every feature's jobs for the worker)
from app import db
from app.accounts import audit_routes, team_routes, token_routes
from app.accounts import routes as account_routes
from app.accounts.auth import (
    AuthMiddleware,
    provide_user,
    requires_admin,
    requires_token,
    requires_user,
)
from app.assessments import api as assessment_api
from app.assessments import routes as assessment_routes
from app.candidates import api as candidate_api
from app.candidates import routes as candidate_routes
from app.crypto import SecretBox
from app.dashboard import assessment_routes as dashboard_assessment_routes
from app.dashboard import candidate_routes as dashboard_candidate_routes
from app.dashboard import job_routes as dashboard_job_routes
from app.dashboard import routes as dashboard_routes
from app.dashboard import stream as dashboard_stream
from app.dashboard.live import live_plugins
from app.emails import routes as email_routes
from app.emails import template_routes as email_template_routes
from app.errors import DomainError
from app.invitations import api as invitation_api
from app.invitations import routes as invitation_routes
from app.jobs import api as job_api
from app.jobs import routes as job_routes
from app.logs import configure as configure_logging
from app.privacy import routes as privacy
from app.providers.clients import RESOURCE as CLIENTS_RESOURCE
from app.providers.clients import ProviderClients
from app.providers.ribbon.sandbox.delivery import Deliverer
from app.providers.ribbon.sandbox.routes import sandbox_routers
from app.queue.worker import start_background_worker
from app.reviews import api as review_api
from app.reviews import routes as review_routes
from app.settings import PROJECT_ROOT, Settings
from app.settings_page import routes as settings_routes
from app.web import routes as web_routes
from app.web.body_guard import body_guard
from app.web.errors import error_response
from app.web.request_id import request_id_middleware
from app.web.security import add_security_headers
from app.web.templating import configure_templates
from app.web.timing import instrument_connection, server_timing_middleware
from app.webhooks import api as webhook_api
from app.webhooks import log_routes
from app.webhooks import routes as webhook_routes

# Paths reached without a browser session: machine-to-machine endpoints carry their own
# authentication (a signature, a Bearer token) and so need no CSRF token.
# The sandbox (/sandbox/) stands in for a third party's site: its API has Bearer auth and its
# candidate page is authorised by the single-use link token, like Ribbon's own.
NO_CSRF = [r"^/webhooks/", r"^/api/", r"^/sandbox/", r"^/healthz", r"^/readyz", r"^/metrics"]
NO_SESSION_LOOKUP = [
    r"^/static/",
    r"^/webhooks/",
    r"^/sandbox/",
    r"^/healthz",
    r"^/readyz",
    r"^/metrics",
]


def html_routes() -> list[Any]:
    """The pages, one router per access level: each guard is declared once, here."""
    signed_in = [
        *token_routes.HTML_ROUTES,
        *team_routes.ROUTES,
        *email_template_routes.ROUTES,
        *dashboard_routes.ROUTES,
        *dashboard_job_routes.ROUTES,
        *dashboard_candidate_routes.ROUTES,
        *dashboard_assessment_routes.ROUTES,
        *dashboard_stream.ROUTES,
        *recruiter_routes(),
        Router("/", route_handlers=admin_routes(), guards=[requires_admin]),
    ]
    return [
        *web_routes.PUBLIC_ROUTES,
        *account_routes.PUBLIC_ROUTES,
        Router("/", route_handlers=signed_in, guards=[requires_user]),
    ]


def admin_routes() -> list[Any]:
    """Organisation settings, the team, the audit log, webhook deliveries and erasure."""
    return [
        *settings_routes.ADMIN_ROUTES,
        *email_template_routes.ADMIN_ROUTES,
        *team_routes.ADMIN_ROUTES,
        *audit_routes.ADMIN_ROUTES,
        *log_routes.ADMIN_ROUTES,
        *privacy.ADMIN_ROUTES,
        *review_routes.ADMIN_ROUTES,
    ]


def recruiter_routes() -> list[Any]:
    """Jobs, candidates, assessments, invitations and the email outbox."""
    return [
        *job_routes.ROUTES,
        *candidate_routes.ROUTES,
        *assessment_routes.ROUTES,
        *invitation_routes.ROUTES,
        *email_routes.ROUTES,
        *review_routes.ROUTES,
    ]


def api_routes() -> list[Any]:
    return [
        *token_routes.API_ROUTES,
        *job_api.ROUTES,
        *candidate_api.ROUTES,
        *assessment_api.ROUTES,
        *invitation_api.ROUTES,
        *review_api.ROUTES,
        Router("/", route_handlers=webhook_api.ADMIN_ROUTES, guards=[requires_admin]),
        Router("/", route_handlers=review_api.ADMIN_ROUTES, guards=[requires_admin]),
    ]


def public_routes(settings: Settings | None = None) -> list[Any]:
    """Routes outside the dashboard: webhooks, the sandbox, metrics."""
    routes: list[Any] = [*webhook_routes.PUBLIC_ROUTES]
    if settings is not None and settings.sandbox_enabled:
        routes.extend(sandbox_routers())
    return routes


WEBHOOK_PREFIX = "/webhooks/"


class Hirewire(Litestar):
    """The main app, which hands webhook deliveries to a lean app of their own before any of the
    pages' middleware, hooks or plugins (session lookup, CSRF, Server-Timing, security headers,
    HTMX, live updates) see them: a provider's burst pays only for what the endpoint needs. The
    lifespan (pool, worker, clients) is this app's alone; the lean app has none of its own."""

    __slots__ = ("webhooks",)
    webhooks: Litestar

    async def __call__(
        self,
        scope: Scope | LifeSpanScope,
        receive: Receive | LifeSpanReceive,
        send: Send | LifeSpanSend,
    ) -> None:
        if scope["type"] == "http" and scope["path"].startswith(WEBHOOK_PREFIX):
            await self.webhooks(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def webhook_app(settings: Settings, box: SecretBox) -> Litestar:
    """The webhook endpoint alone, with what it needs: the body read timeout, request ids in logs
    and answers, and the JSON error answers (a 503 when the database is down)."""
    return Litestar(
        # A router is copied on registration, so the main app keeps its own `webhook` route
        # (its name resolves, the route listings see it) while requests are answered here.
        route_handlers=[Router("/", route_handlers=[webhook_routes.receive_webhook])],
        dependencies={"box": Provide(lambda: box, use_cache=True, sync_to_thread=False)},
        middleware=[body_guard(float(settings.body_read_timeout_seconds)), request_id_middleware],
        exception_handlers={HTTPException: error_response, Exception: error_response},
        openapi_config=None,
        logging_config=None,
        request_max_body_size=10 * 1024 * 1024,
    )


def create_app(
    settings: Settings | None = None,
    run_worker: bool = True,
    extra_lifespan: Sequence[Callable[[Litestar], Any]] = (),
) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    if settings.database_url:
        db.configure(settings.database_url)
    box = SecretBox(settings.secret_key)
    # One set of provider clients for the pages, the API and the in-process worker.
    clients = ProviderClients(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owns_pool = db.engine().pool is None  # tests share one pool across apps
        await db.start_pool(init=instrument_connection)  # Server-Timing counts queries
        workers: list[Any] = []
        if run_worker:
            workers.append(
                await start_background_worker(settings, resources={CLIENTS_RESOURCE: clients})
            )
        if settings.sandbox_enabled:
            # The sandbox delivers its webhooks from its own loop, as Ribbon would.
            workers.append(await Deliverer().start())
        try:
            yield
        finally:
            for worker in workers:
                await worker.stop()
            await clients.aclose()
            if owns_pool:
                await db.close_pool()

    webhooks = webhook_app(settings, box)
    app = Hirewire(
        route_handlers=[
            Router("/", route_handlers=html_routes(), include_in_schema=False),
            Router("/api/v1", route_handlers=api_routes(), guards=[requires_token], tags=["api"]),
            *public_routes(settings),
            create_static_files_router(
                path="/static", directories=[PROJECT_ROOT / "static"], include_in_schema=False
            ),
        ],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "box": Provide(lambda: box, use_cache=True, sync_to_thread=False),
            "provider_clients": Provide(lambda: clients, use_cache=True, sync_to_thread=False),
            "user": Provide(provide_user),
        },
        middleware=[
            body_guard(float(settings.body_read_timeout_seconds)),
            server_timing_middleware,
            request_id_middleware,
            _auth_middleware(),
        ],
        before_send=[add_security_headers],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            exclude=NO_CSRF,
        ),
        template_config=TemplateConfig(
            directory=PROJECT_ROOT / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=configure_templates(settings),
        ),
        plugins=[HTMXPlugin(), *live_plugins()],  # live_plugins: LISTEN for card updates
        exception_handlers={
            DomainError: error_response,
            HTTPException: error_response,
            Exception: error_response,
        },
        openapi_config=OpenAPIConfig(
            title="Hirewire API",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        lifespan=[lifespan, *extra_lifespan],
        state=State({"settings": settings}),
        request_max_body_size=10 * 1024 * 1024,
    )
    app.webhooks = webhooks
    return app


def _auth_middleware() -> Any:
    from litestar.middleware.base import DefineMiddleware

    return DefineMiddleware(AuthMiddleware, exclude=NO_SESSION_LOOKUP)


def app_from_env() -> Litestar:
    """Factory for `uvicorn --factory app.asgi:app_from_env`."""
    return create_app()

"""The sandbox as its own Litestar app (`hirewire sandbox --port P`): only the sandbox's
routes and static files, on the same database as Hirewire, delivering its own webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from app import db
from app.logs import configure as configure_logging
from app.providers.ribbon.sandbox.delivery import Deliverer
from app.providers.ribbon.sandbox.routes import sandbox_routers
from app.settings import PROJECT_ROOT, Settings
from app.web.security import add_security_headers
from app.web.templating import configure_templates


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_sandbox_app(settings: Settings) -> Litestar:
    configure_logging(settings.log_level, settings.log_json)
    if settings.database_url:
        db.configure(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await db.start_pool()
        deliverer = await Deliverer().start()
        try:
            yield
        finally:
            await deliverer.stop()
            await db.close_pool()

    return Litestar(
        route_handlers=[
            *sandbox_routers(),
            healthz,
            create_static_files_router(
                path="/static", directories=[PROJECT_ROOT / "static"], include_in_schema=False
            ),
        ],
        before_send=[add_security_headers],
        template_config=TemplateConfig(
            directory=PROJECT_ROOT / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=configure_templates(settings),
        ),
        lifespan=[lifespan],
        openapi_config=None,
    )

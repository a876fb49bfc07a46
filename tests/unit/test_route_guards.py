"""Every route is protected unless it is on the public list: pages need a session, the JSON API
a token, and the admin-only pages and API calls an admin. Guards sit on the routers that group
handlers by access level (app/asgi.py), never on a handler, so a handler added to a signed-in
group is protected without anyone remembering to say so."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from app.accounts.auth import requires_admin, requires_token, requires_user
from app.asgi import create_app
from app.settings import Settings

TEST_SECRET = "route-guards-test-secret-key"

# Reached without signing in: the login and reset pages, health checks and the metrics scrape,
# and the mounts that carry their own authentication or none (webhooks are signed, the sandbox
# stands in for a third party, static files and the API schema are public).
PUBLIC_PAGES = {
    "/healthz",
    "/readyz",
    "/login",
    "/logout",
    "/login/forgot",
    "/login/reset",
    "/metrics",
}
PUBLIC_PREFIXES = ("/webhooks/", "/sandbox", "/static/", "/schema")

ADMIN_ONLY = {
    "/settings",
    "/settings/ribbon-key",
    "/settings/ribbon-key/remove",
    "/settings/test-connection",
    "/settings/emails",
    "/settings/emails/{kind:str}",
    "/settings/emails/{kind:str}/reset",
    "/team",
    "/team/invite",
    "/team/{user_id:uuid}/role",
    "/team/{user_id:uuid}/deactivate",
    "/team/{user_id:uuid}/reactivate",
    "/team/{user_id:uuid}/resend",
    "/audit",
    "/deliveries",
    "/deliveries/{delivery_id:uuid}",
    "/deliveries/{delivery_id:uuid}/replay",
    "/deliveries/replay",
    "/candidates/{candidate_id:uuid}/erase",
    "/assessments/{assessment_id:uuid}/webhook-secret",
    "/assessments/{assessment_id:uuid}/webhook-secret/rotate",
    "/api/v1/webhook-deliveries",
    "/api/v1/webhook-deliveries/{delivery_id:uuid}/replay",
    "/decisions",
    "/decisions.csv",
    "/api/v1/decisions",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    data_dir = tmp_path_factory.mktemp("data")
    settings = Settings.from_env(
        {"SECRET_KEY": TEST_SECRET, "SANDBOX_ENABLED": "1", "HIREWIRE_DATA_DIR": str(data_dir)}
    )
    return create_app(settings, run_worker=False)


def handlers(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"{route.path}: not an HTTP route, add it here"
        for method, (handler, _) in route.route_handler_map.items():
            if method not in ("HEAD", "OPTIONS"):
                yield method, route.path, handler


def guards(handler: HTTPRouteHandler) -> list[Callable[..., Any]]:
    return [guard for layer in handler.ownership_layers for guard in layer.guards or []]


def is_public(path: str) -> bool:
    return path in PUBLIC_PAGES or path.startswith(PUBLIC_PREFIXES)


def test_every_route_outside_the_public_list_needs_a_session_or_a_token(app: Litestar) -> None:
    unprotected = []
    for method, path, handler in handlers(app):
        if is_public(path):
            continue
        needed = (
            {requires_token} if path.startswith("/api/v1/") else {requires_user, requires_admin}
        )
        if not needed & set(guards(handler)):
            unprotected.append(f"{method} {path} lacks {' or '.join(g.__name__ for g in needed)}")
    assert unprotected == []


def test_admin_only_routes_need_an_admin(app: Litestar) -> None:
    found = {path for _, path, handler in handlers(app) if requires_admin in guards(handler)}
    assert found == ADMIN_ONLY


def test_the_public_list_names_only_routes_that_exist(app: Litestar) -> None:
    paths = {path for _, path, _ in handlers(app)}
    assert paths >= PUBLIC_PAGES
    assert paths >= ADMIN_ONLY
    for prefix in PUBLIC_PREFIXES:
        assert any(path.startswith(prefix) for path in paths), prefix


def test_guards_are_declared_on_routers_not_on_handlers(app: Litestar) -> None:
    on_handlers = [f"{method} {path}" for method, path, handler in handlers(app) if handler.guards]
    assert on_handlers == []

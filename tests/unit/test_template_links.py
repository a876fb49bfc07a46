"""Templates build their links from route names: no attribute holds a hand-written path, and the
template `url_for` (app.web.templating, cached per app) gives what Litestar's route_reverse
gives for every named route."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from jinja2 import Environment
from litestar import Litestar
from litestar.exceptions import NoRouteMatchFoundException
from litestar.routes import HTTPRoute

from app.asgi import create_app
from app.settings import PROJECT_ROOT, Settings
from app.web.templating import url_for

LINK_ATTRIBUTE = re.compile(r'\b(href|src|action|formaction|hx-\w+|sse-connect)="/')


class FakeRequest:
    def __init__(self, app: Litestar) -> None:
        self.app = app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    settings = Settings.from_env(
        {
            "SECRET_KEY": "template-links-test-secret",
            "SANDBOX_ENABLED": "1",
            "HIREWIRE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        }
    )
    return create_app(settings, run_worker=False)


def link(app: Litestar, name: str, **params: Any) -> str:
    env = Environment()
    env.globals["url_for"] = url_for
    return env.from_string("{{ url_for(name, **params) }}").render(
        request=FakeRequest(app), name=name, params=params
    )


def test_no_template_writes_a_path_by_hand() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:80]}"
        for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LINK_ATTRIBUTE.search(line)
    ]
    assert found == []


def test_url_for_gives_what_route_reverse_gives_for_every_named_route(app: Litestar) -> None:
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, _ in route.route_handler_map.values():
            if handler.name is None:
                continue
            params = {
                name: uuid.uuid4() if param.type is uuid.UUID else f"value-{name}"
                for name, param in route.path_parameters.items()
            }
            assert link(app, handler.name, **params) == app.route_reverse(handler.name, **params)
            checked += 1
    assert checked > 60


def test_static_files_and_query_free_routes(app: Litestar) -> None:
    assert link(app, "static", file_path="css/app.css") == "/static/css/app.css"
    assert link(app, "jobs") == "/jobs"
    assert link(app, "home") == "/"


def test_a_missing_parameter_or_name_fails_as_litestar_says(app: Litestar) -> None:
    with pytest.raises(NoRouteMatchFoundException):
        link(app, "job_detail")
    with pytest.raises(NoRouteMatchFoundException):
        link(app, "no_such_route")

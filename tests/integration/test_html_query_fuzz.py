"""The HTML routes' query parameters fuzzed the way schemathesis fuzzes the JSON API's: those
routes are left out of the OpenAPI schema (include_in_schema=False), so the parameters each GET
handler declares are read from the app itself and filled by hypothesis with odd strings (digits
that are not ASCII, numbers beyond bigint, NUL, long text), over real HTTP with a signed-in
admin. Every answer is below 500, and an error is a page that says what went wrong."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st
from litestar.routes import HTTPRoute

from app.asgi import create_app
from app.settings import Settings
from tests.integration.test_api_schemathesis import cli
from tests.integration.test_bad_input import ODD_NUMBERS

SKIPPED_PREFIXES = ("/api/", "/schema", "/static", "/sandbox", "/webhooks", "/metrics")
ODD = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers().map(str),
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=25),
)


def html_get_routes(settings: Settings) -> list[tuple[str, list[str], list[str]]]:
    """(path, path parameter names, query parameter names) of every GET HTML route."""
    app = create_app(settings, run_worker=False)
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.route_handler_map:
            continue
        if route.path.startswith(SKIPPED_PREFIXES):
            continue
        _, kwargs = route.route_handler_map["GET"]
        path_names = [p.field_alias for p in kwargs.expected_path_params]
        query_names = [p.field_alias for p in kwargs.expected_query_params]
        found.append((route.path, path_names, query_names))
    return found


@pytest.fixture
def admin_session(live_server: Any, test_database: Any) -> httpx.Client:
    org = cli(test_database.dsn, "create-org", "--name", "Fuzz Org")
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
    password = "fuzz-password-123"
    cli(
        test_database.dsn,
        "create-user",
        "--org",
        org,
        "--email",
        email,
        "--password",
        password,
        "--role",
        "admin",
    )
    web = httpx.Client(base_url=live_server.url, timeout=30)
    web.get("/login")
    signed_in = web.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": web.cookies["csrftoken"]},
    )
    assert signed_in.status_code in (302, 303), signed_in.text[:300]
    return web


def test_html_routes_answer_every_odd_query_sensibly(
    live_server: Any, settings: Settings, admin_session: httpx.Client
) -> None:
    web = admin_session
    created = web.post("/jobs", data={"title": "Fuzzed", "_csrf_token": web.cookies["csrftoken"]})
    assert created.status_code in (302, 303), created.text[:300]
    job_id = created.headers["location"].split("/jobs/")[1].split("?")[0]
    routes = [r for r in html_get_routes(settings) if r[2]]
    paths = {path for path, _, _ in routes}
    for expected in ["/audit", "/deliveries", "/jobs/{job_id:uuid}", "/jobs/{job_id:uuid}/stream"]:
        assert expected in paths, sorted(paths)
    problems: list[str] = []

    def call(path: str, query: dict[str, str], headers: dict[bytes, bytes]) -> None:
        url = re.sub(r"\{job_id:uuid\}", job_id, path)
        url = re.sub(r"\{[a-z_]+:uuid\}", str(uuid.uuid4()), url)
        with web.stream("GET", url, params=query, headers=headers) as response:
            status = response.status_code  # a stream is not read: its status is the answer
            if status >= 500:
                problems.append(f"{status} {path} {query!r} {headers!r}")
            elif status >= 400:
                body = response.read().decode(errors="replace")
                assert "<main" in body, (path, query, body[:300])  # a page with a message

    def fuzz_route(path: str, names: list[str]) -> None:
        @given(query=st.fixed_dictionaries({}, optional=dict.fromkeys(names, ODD)))
        @fuzz_settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def fuzz(query: dict[str, str]) -> None:
            call(path, query, {})

        fuzz()

    for path, _, names in routes:
        for odd in ODD_NUMBERS:  # every known odd value in every declared parameter, first
            for name in names:
                call(path, {name: odd}, {})
        fuzz_route(path, names)
    for raw in [b"\xb2", "\u00b2".encode(), b"9" * 25, b"-1", b"\xff\xfe"]:
        call("/jobs/{job_id:uuid}/stream", {}, {b"Last-Event-ID": raw})
    assert problems == []

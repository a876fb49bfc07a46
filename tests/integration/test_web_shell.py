"""The shell every page shares: security headers, error pages, health endpoints."""

from __future__ import annotations

from tests.conftest import login


async def test_security_headers_on_pages_errors_and_static(client):
    for path in ("/login", "/does-not-exist", "/static/css/app.css", "/healthz"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"


async def test_pages_have_no_inline_script(client, make_account):
    await login(client, await make_account())
    for path in ("/login", "/"):
        html = (await client.get(path)).text
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), chunk[:80]


async def test_unknown_page_is_a_friendly_404_and_api_gets_json(client, make_account):
    await login(client, await make_account())
    page = await client.get("/nowhere")
    assert page.status_code == 404
    assert "Back to the dashboard" in page.text
    api = await client.get("/api/v1/nowhere")
    assert api.status_code in (401, 404)
    assert "message" in api.json()


async def test_dashboard_requires_login(client):
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=/"


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_api_without_token_is_401_json(client):
    response = await client.get("/api/v1/jobs")
    assert response.status_code in (401, 404)
    assert response.headers["content-type"].startswith("application/json")


async def test_server_timing_counts_the_queries_of_a_request(client, make_account):
    await login(client, await make_account())
    timing = (await client.get("/")).headers["server-timing"]
    assert 'queries"' in timing
    queries = int(timing.split('desc="')[1].split(" ")[0])
    # the session lookup and the status counts, at least
    assert queries >= 2
    assert "total;dur=" in timing

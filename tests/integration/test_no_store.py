"""Signed-in responses are never stored (issue 17 bug 5): after logout, the Back button must not
show names, emails and scores from the browser's cache. Proven for every GET route a signed-in
person or token can call, as a page and as an HTMX fragment; a new route is covered by itself.
Static files and signed-out pages keep their normal caching."""

from __future__ import annotations

from app.accounts.service import create_api_token
from tests.conftest import app_client, login
from tests.integration.test_tenant_isolation import fill, make_victim, routes

# Not signed-in data: public machinery, the login pages, static files and the API schema.
PUBLIC = (
    "/static",
    "/schema",
    "/sandbox",
    "/webhooks",
    "/healthz",
    "/readyz",
    "/metrics",
    "/login",
)


def _public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC)


async def test_every_signed_in_response_says_no_store(settings, make_account):
    account = await make_account(org_name="Acme")
    mine = await make_victim(account.organisation_id, name="Acme")
    token = await create_api_token(account.email)
    # a short stream limit, so the stream's response ends and its headers can be read here
    async with app_client(settings.with_(sse_max_stream_seconds=1)) as client:
        await login(client, account)
        checked = []
        for method, path in routes(client._transport.app):  # type: ignore[attr-defined]
            if method != "GET" or _public(path):
                continue
            for url in fill(path, mine.ids):
                if path.startswith("/api/"):
                    variants = [{"Authorization": f"Bearer {token}"}]
                else:
                    variants = [{}, {"HX-Request": "true"}]
                for headers in variants:
                    response = await client.get(url, headers=headers, follow_redirects=False)
                    assert response.status_code < 500, f"GET {url} -> {response.status_code}"
                    cache = response.headers.get("cache-control", "")
                    assert "no-store" in cache, f"GET {url} {headers} -> {cache!r}"
                    checked.append(url)
        assert len(checked) > 40
        assert any(url.endswith("/stream") for url in checked)

        # a signed-in person's error pages too: a 404 names nothing, but is still not stored
        missing = await client.get("/jobs/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404
        assert "no-store" in missing.headers["cache-control"]

        static = await client.get("/static/css/app.css")
        assert static.status_code == 200
        assert "no-store" not in static.headers.get("cache-control", "")


async def test_signed_out_htmx_request_tells_the_page_to_log_in_again(client, make_account):
    """A card's poll after logout gets a 401 that names the login page, not the login page
    swapped into the card."""
    account = await make_account()
    mine = await make_victim(account.organisation_id, name="Acme")
    response = await client.get(
        f"/invitations/{mine.ids['invitation_id']}/card",
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert response.headers["HX-Reswap"] == "none"
    assert "hw:logged-out" in response.headers["HX-Trigger"]
    assert "Acme" not in response.text
    page = await client.get("/jobs", follow_redirects=False)  # a page still goes to the login
    assert page.status_code in (302, 303)
    assert page.headers["location"].startswith("/login")

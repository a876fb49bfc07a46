"""The Settings page: the Ribbon API key sealed and hinted, a connection test against the
sandbox, the webhook base URL, admins only, every change audited and no key in any log."""

from __future__ import annotations

from app import db
from app.crypto import SecretBox
from tests.conftest import TEST_SECRET_KEY, csrf_token, form_post, login
from tests.integration.recruiting import fetch_one, sandbox_key, set_knobs


async def test_admin_sets_key_tests_connection_and_removes_it(
    sandbox_client, make_account, live_server, capsys
):
    account = await make_account(org_name="Keyholders")
    await login(sandbox_client, account)
    page = await sandbox_client.get("/settings")
    assert page.status_code == 200
    assert "No API key yet" in page.text
    assert f"{live_server.url}/webhooks/ribbon/" in page.text

    key = sandbox_key()
    saved = await form_post(sandbox_client, "/settings/ribbon-key", {"api_key": f"  {key}  "})
    assert saved.status_code == 200
    assert "The API key was saved, and Ribbon accepted it" in saved.text
    assert key[-4:] in saved.text
    assert key not in saved.text
    org = await fetch_one("SELECT * FROM organisation")
    assert key not in org["ribbon_api_key_enc"]
    assert SecretBox(TEST_SECRET_KEY).open(org["ribbon_api_key_enc"]) == key
    assert org["ribbon_api_key_hint"] == key[-4:]

    token = await csrf_token(sandbox_client)
    hx = {"HX-Request": "true", "x-csrftoken": token}
    ok = await sandbox_client.post("/settings/test-connection", headers=hx)
    assert ok.status_code == 200
    assert "Connected" in ok.text
    await set_knobs(live_server, rejected_api_keys=[key])
    refused = await sandbox_client.post("/settings/test-connection", headers=hx)
    assert "Not connected" in refused.text
    assert "rejected the API key" in refused.text
    await set_knobs(live_server, reset=True)
    await set_knobs(live_server, api_error="503", api_error_next=10)
    down = await sandbox_client.post("/settings/test-connection", headers=hx)
    assert "could not be reached" in down.text
    await set_knobs(live_server, reset=True)

    bad = await form_post(sandbox_client, "/settings/ribbon-key", {"api_key": "has spaces in it"})
    assert bad.status_code == 400
    removed = await form_post(sandbox_client, "/settings/ribbon-key/remove", {})
    assert "The API key was removed" in removed.text
    assert await db.fetchval("SELECT ribbon_api_key_enc FROM organisation") is None
    none = await sandbox_client.post("/settings/test-connection", headers=hx)
    assert "No Ribbon API key is set" in none.text

    audit = await db.fetch("SELECT action, detail::text AS detail FROM audit_event ORDER BY id")
    actions = [r["action"] for r in audit]
    assert "provider_key_set" in actions
    assert "provider_key_removed" in actions
    assert actions.count("provider_connection_tested") == 4
    key_set = next(r["detail"] for r in audit if r["action"] == "provider_key_set")
    assert '"checked": true' in key_set
    assert all(key not in r["detail"] for r in audit)
    captured = capsys.readouterr()
    assert key not in captured.out + captured.err
    assert key not in live_server.log()


async def test_a_key_is_checked_before_it_is_saved(sandbox_client, make_account, live_server):
    account = await make_account(org_name="Keyholders")
    await login(sandbox_client, account)
    for typed in ("sk_live_abc123", "1b4e28ba-2fa1-11d2-883f", "1b4e28ba2fa111d2883f0016d3cca427"):
        shaped = await form_post(sandbox_client, "/settings/ribbon-key", {"api_key": typed})
        assert shaped.status_code == 400
        assert "A Ribbon API key looks like" in shaped.text
    refused_key = sandbox_key()
    await set_knobs(live_server, rejected_api_keys=[refused_key])
    try:
        refused = await form_post(sandbox_client, "/settings/ribbon-key", {"api_key": refused_key})
    finally:
        await set_knobs(live_server, reset=True)
    assert refused.status_code == 400
    assert "Ribbon refused this API key, so it was not saved" in refused.text
    assert "The API key was saved" not in refused.text
    assert await db.fetchval("SELECT ribbon_api_key_enc FROM organisation") is None

    await set_knobs(live_server, api_error="503", api_error_next=10)
    try:
        unchecked = await form_post(
            sandbox_client, "/settings/ribbon-key", {"api_key": sandbox_key()}
        )
    finally:
        await set_knobs(live_server, reset=True)
    assert unchecked.status_code == 200
    assert "could not be reached to check it" in unchecked.text
    assert 'class="alert ok"' not in unchecked.text  # never a green "saved" beside a doubt
    assert await db.fetchval("SELECT ribbon_api_key_enc FROM organisation") is not None


async def test_recruiters_cannot_reach_settings(client, make_account):
    admin = await make_account(role="admin")
    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    await login(client, recruiter)
    assert (await client.get("/settings")).status_code == 403
    response = await form_post(client, "/settings/ribbon-key", {"api_key": sandbox_key()})
    assert response.status_code == 403
    assert await db.fetchval("SELECT ribbon_api_key_enc FROM organisation") is None

"""Webhook secret rotation against the sandbox over real HTTP: a new flow carries the new
secret, the old secret keeps verifying during the grace period and not after it, and a
provider refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest

from app import db
from app.assessments.service import AssessmentInput, create_assessment
from app.crypto import SecretBox
from app.privacy.rotation import RotationError, rotate_secret
from app.providers.ribbon.webhooks import sign
from app.settings import Settings
from tests.conftest import TEST_SECRET_KEY, form_post, login
from tests.integration.recruiting import acting_user, fetch_one, make_job, sandbox_key

BOX = SecretBox(TEST_SECRET_KEY)


async def active_assessment(account: Any, settings: Settings) -> dict[str, Any]:
    job_id = await make_job(account.organisation_id)
    data = AssessmentInput(title="Screening", questions=["Why us?", "Tell us more."])
    created = await create_assessment(
        account.organisation_id, account.user_id, job_id, data, settings, BOX
    )
    assert created["status"] == "active", created
    return dict(await fetch_one("SELECT * FROM assessment WHERE id = $1", created["id"]))


async def post_signed(client: httpx.AsyncClient, token: str, secret: str) -> int:
    body = json.dumps(
        {
            "event_type": "video_processed",
            "interview_flow_id": "f",
            "interview_id": str(uuid.uuid4()),
            "status": "completed",
        }
    ).encode()
    response = await client.post(
        f"/webhooks/ribbon/{token}",
        content=body,
        headers={"content-type": "application/json", "x-ribbon-signature": sign(body, secret)},
    )
    return response.status_code


async def sandbox_flow(live_server: Any, key: str, flow_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        response = await http.get(
            f"/sandbox/api/v1/interview-flows/{flow_id}",
            headers={"authorization": f"Bearer {key}"},
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_rotation_makes_a_new_flow_and_the_old_secret_verifies_during_grace(
    sandbox_client: httpx.AsyncClient,
    sandbox_settings: Settings,
    make_account: Any,
    live_server: Any,
) -> None:
    key = sandbox_key()
    admin = await make_account(ribbon_api_key=key)
    before = await active_assessment(admin, sandbox_settings)
    old_secret = BOX.open(before["webhook_secret_enc"])
    await login(sandbox_client, admin)

    page = await sandbox_client.get(f"/assessments/{before['id']}")
    assert f"/assessments/{before['id']}/webhook-secret" in page.text
    page = await sandbox_client.get(f"/assessments/{before['id']}/webhook-secret")
    assert page.status_code == 200
    assert "Ribbon's API cannot change" in page.text
    response = await form_post(
        sandbox_client, f"/assessments/{before['id']}/webhook-secret/rotate", {}
    )
    assert response.status_code == 200, response.text
    assert "Rotated." in response.text

    after = await fetch_one("SELECT * FROM assessment WHERE id = $1", before["id"])
    new_secret = BOX.open(after["webhook_secret_enc"])
    assert new_secret != old_secret
    assert BOX.open(after["previous_webhook_secret_enc"]) == old_secret
    grace = after["previous_secret_valid_until"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=23) < grace <= dt.timedelta(hours=24)
    assert after["provider_flow_id"] != before["provider_flow_id"]
    assert after["webhook_token"] == before["webhook_token"]
    flow = await sandbox_flow(live_server, key, after["provider_flow_id"])
    assert flow["webhook_secret_key"] == new_secret
    assert flow["webhook_url"].endswith(f"/webhooks/ribbon/{before['webhook_token']}")

    token = before["webhook_token"]
    assert await post_signed(sandbox_client, token, old_secret) == 202
    assert await post_signed(sandbox_client, token, new_secret) == 202
    assert await post_signed(sandbox_client, token, "not-the-secret") == 401

    again = await form_post(
        sandbox_client, f"/assessments/{before['id']}/webhook-secret/rotate", {}
    )
    assert again.status_code == 400
    assert "still accepted until" in again.text

    audit = await fetch_one("SELECT * FROM audit_event WHERE action = 'webhook_secret_rotated'")
    assert audit["actor_user_id"] == admin.user_id
    assert audit["subject_id"] == str(before["id"])
    assert old_secret not in audit["detail"]
    assert new_secret not in audit["detail"]


async def test_after_the_grace_period_only_the_new_secret_verifies(
    sandbox_client: httpx.AsyncClient,
    sandbox_settings: Settings,
    make_account: Any,
) -> None:
    admin = await make_account(ribbon_api_key=sandbox_key())
    before = await active_assessment(admin, sandbox_settings)
    old_secret = BOX.open(before["webhook_secret_enc"])
    no_grace = sandbox_settings.with_(webhook_secret_grace_seconds=0)
    await rotate_secret(await acting_user(admin), before["id"], no_grace, BOX)
    new_secret = BOX.open(
        await db.fetchval("SELECT webhook_secret_enc FROM assessment WHERE id = $1", before["id"])
    )
    token = before["webhook_token"]
    assert await post_signed(sandbox_client, token, old_secret) == 401
    assert await post_signed(sandbox_client, token, new_secret) == 202


async def test_a_refused_rotation_changes_nothing_and_only_admins_of_the_org_rotate(
    sandbox_client: httpx.AsyncClient,
    sandbox_settings: Settings,
    make_account: Any,
) -> None:
    admin = await make_account(ribbon_api_key=sandbox_key())
    before = await active_assessment(admin, sandbox_settings)
    url = f"/assessments/{before['id']}/webhook-secret"

    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    await login(sandbox_client, recruiter)
    assert (await sandbox_client.get(url)).status_code == 403
    assert (await form_post(sandbox_client, f"{url}/rotate", {})).status_code == 403
    page = await sandbox_client.get(f"/assessments/{before['id']}")
    assert url not in page.text

    sandbox_client.cookies.clear()
    stranger = await make_account(org_name="Other", ribbon_api_key=sandbox_key())
    await login(sandbox_client, stranger)
    assert (await sandbox_client.get(url)).status_code == 404
    assert (await form_post(sandbox_client, f"{url}/rotate", {})).status_code == 404

    # Ribbon refuses the key: the error is shown and nothing changes.
    await db.fetch(
        "UPDATE organisation SET ribbon_api_key_enc = $2 WHERE id = $1",
        admin.organisation_id,
        BOX.seal("not-a-ribbon-key"),
    )
    sandbox_client.cookies.clear()
    await login(sandbox_client, admin)
    response = await form_post(sandbox_client, f"{url}/rotate", {})
    assert response.status_code == 400
    assert "nothing changed" in response.text
    after = await fetch_one("SELECT * FROM assessment WHERE id = $1", before["id"])
    assert after["webhook_secret_enc"] == before["webhook_secret_enc"]
    assert after["provider_flow_id"] == before["provider_flow_id"]
    assert after["previous_webhook_secret_enc"] is None
    assert not await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'webhook_secret_rotated'"
    )

    failed = await fetch_one(
        "UPDATE assessment SET status = 'failed' WHERE id = $1 RETURNING id", before["id"]
    )
    with pytest.raises(RotationError, match="Only an active assessment"):
        await rotate_secret(await acting_user(admin), failed["id"], sandbox_settings, BOX)

"""The JSON API for assessments and invitations against the sandbox over real HTTP."""

from __future__ import annotations

import json

from app import db
from app.accounts.service import create_api_token
from tests.integration.recruiting import (
    sandbox_key,
    set_knobs,
    settle,
)


async def _setup(client, make_account, org_name="Acme", people=3):
    account = await make_account(org_name=org_name, ribbon_api_key=sandbox_key())
    auth = {"Authorization": f"Bearer {await create_api_token(account.email)}"}
    job = (await client.post("/api/v1/jobs", json={"title": "SRE"}, headers=auth)).json()
    csv = "email,first_name,last_name\n" + "".join(
        f"p{i}@example.com,P{i},Q\n" for i in range(people)
    )
    await client.post(
        f"/api/v1/jobs/{job['id']}/candidates/import",
        content=csv.encode(),
        headers={**auth, "Content-Type": "text/csv"},
    )
    return account, auth, job


async def test_assessment_and_invitations_end_to_end(
    sandbox_client, sandbox_settings, make_account, live_server
):
    account, auth, job = await _setup(sandbox_client, make_account)
    base = f"/api/v1/jobs/{job['id']}/assessments"
    created = await sandbox_client.post(
        base,
        json={"title": "Phone screen", "questions": ["Why?", "How?"], "video_enabled": True},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    assert assessment["status"] == "active"
    assert assessment["provider_flow_id"]
    assert assessment["webhook_url"].startswith(f"{live_server.url}/webhooks/ribbon/")
    assert "secret" not in json.dumps(assessment).lower()
    assert (await sandbox_client.get(base, headers=auth)).json()[0]["id"] == assessment["id"]
    one = await sandbox_client.get(f"/api/v1/assessments/{assessment['id']}", headers=auth)
    assert one.json()["questions"] == ["Why?", "How?"]

    candidates = (
        await sandbox_client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=auth)
    ).json()
    ids = [c["id"] for c in candidates]
    url = f"/api/v1/assessments/{assessment['id']}/invitations"
    invited = await sandbox_client.post(url, json={"candidate_ids": ids[:2]}, headers=auth)
    assert invited.status_code == 202, invited.text
    body = invited.json()
    assert body["created"] == 2
    assert body["skipped"] == 0
    assert {i["status"] for i in body["invitations"]} == {"sending"}
    again = await sandbox_client.post(url, json={"candidate_ids": ids}, headers=auth)
    assert again.json()["created"] == 1
    assert again.json()["skipped"] == 2
    await settle(sandbox_settings, assessment["id"])
    listed = (await sandbox_client.get(url, headers=auth)).json()
    assert len(listed) == 3
    assert {i["status"] for i in listed} == {"invited"}
    detail = await sandbox_client.get(f"/api/v1/invitations/{listed[0]['id']}", headers=auth)
    data = detail.json()
    assert data["invitation"]["interview_link"].startswith("http")
    assert data["result"] is None
    assert [e["kind"] for e in data["events"]][:2] == ["created", "invited"]
    progress = await sandbox_client.get(
        f"/api/v1/bulk-invites/{body['bulk_invite_id']}", headers=auth
    )
    assert progress.json()["done"] is True
    assert progress.json()["invited"] == 2

    # a result in our own model shows up with scores as key/value/scale
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary,
               scores, transcript)
           VALUES ($1, $2, 'completed', 'Strong.', $3::jsonb, $4::jsonb)""",
        listed[0]["id"],
        account.organisation_id,
        json.dumps(
            {
                "skills": {"key": "skills", "value": 4.5, "scale": 5, "label": "Skills"},
                "motivation": {"key": "motivation", "value": None, "scale": 5},
            }
        ),
        json.dumps([{"role": "candidate", "text": "Hello", "start": 1.0, "end": 2.0}]),
    )
    result = (
        await sandbox_client.get(f"/api/v1/invitations/{listed[0]['id']}", headers=auth)
    ).json()
    assert result["result"]["scores"] == [
        {"key": "skills", "value": 4.5, "scale": 5.0, "label": "Skills"}
    ]
    assert result["result"]["summary"] == "Strong."
    assert result["result"]["transcript"][0]["text"] == "Hello"


async def test_validation_and_provider_failure_on_the_api(
    sandbox_client, make_account, live_server
):
    _account, auth, job = await _setup(sandbox_client, make_account, people=1)
    base = f"/api/v1/jobs/{job['id']}/assessments"
    for body, needle in (
        ({"title": "T", "questions": []}, "at least one question"),
        ({"title": "T", "questions": ["q"] * 31}, "at most 30"),
        ({"title": "T", "questions": ["ok", ""]}, "Question 2 is empty"),
        ({"title": "T", "questions": ["q"], "language": "tlh"}, "Language"),
        ({"title": "T"}, "questions"),
    ):
        response = await sandbox_client.post(base, json=body, headers=auth)
        assert response.status_code == 400, body
        assert needle in response.json()["message"], response.json()
    assert await db.fetchval("SELECT count(*) FROM assessment") == 0

    await set_knobs(live_server, api_error="502", api_error_next=20)
    failed = await sandbox_client.post(base, json={"title": "T", "questions": ["Q?"]}, headers=auth)
    assert failed.status_code == 502
    body = failed.json()
    assert "HTTP 502" in body["message"]
    assert body["assessment"]["status"] == "failed"
    assessment_id = body["assessment"]["id"]
    candidate_id = (
        await sandbox_client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=auth)
    ).json()[0]["id"]
    refused = await sandbox_client.post(
        f"/api/v1/assessments/{assessment_id}/invitations",
        json={"candidate_ids": [candidate_id]},
        headers=auth,
    )
    assert refused.status_code == 400
    assert "failed" in refused.json()["message"]
    await set_knobs(live_server, reset=True)
    retried = await sandbox_client.post(f"/api/v1/assessments/{assessment_id}/retry", headers=auth)
    assert retried.status_code == 201
    assert retried.json()["status"] == "active"
    empty = await sandbox_client.post(
        f"/api/v1/assessments/{assessment_id}/invitations", json={"candidate_ids": []}, headers=auth
    )
    assert empty.status_code == 400
    junk = await sandbox_client.post(
        f"/api/v1/assessments/{assessment_id}/invitations",
        json={"candidate_ids": ["nope"]},
        headers=auth,
    )
    assert junk.status_code == 400
    assert await db.fetchval("SELECT count(*) FROM invitation") == 0


async def test_another_organisations_assessments_and_invitations_are_404(
    sandbox_client, sandbox_settings, make_account
):
    _theirs, their_auth, job = await _setup(sandbox_client, make_account, "Theirs", people=1)
    assessment = (
        await sandbox_client.post(
            f"/api/v1/jobs/{job['id']}/assessments",
            json={"title": "T", "questions": ["Q?"]},
            headers=their_auth,
        )
    ).json()
    their_candidate = (
        await sandbox_client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=their_auth)
    ).json()[0]["id"]
    invited = (
        await sandbox_client.post(
            f"/api/v1/assessments/{assessment['id']}/invitations",
            json={"candidate_ids": [their_candidate]},
            headers=their_auth,
        )
    ).json()
    _mine, auth, my_job = await _setup(sandbox_client, make_account, "Mine", people=1)
    a = f"/api/v1/assessments/{assessment['id']}"
    assert (await sandbox_client.get(a, headers=auth)).status_code == 404
    assert (await sandbox_client.post(f"{a}/retry", headers=auth)).status_code == 404
    assert (await sandbox_client.get(f"{a}/invitations", headers=auth)).status_code == 404
    post = await sandbox_client.post(
        f"{a}/invitations", json={"candidate_ids": [their_candidate]}, headers=auth
    )
    assert post.status_code == 404
    invitation_id = invited["invitations"][0]["id"]
    assert (
        await sandbox_client.get(f"/api/v1/invitations/{invitation_id}", headers=auth)
    ).status_code == 404
    assert (
        await sandbox_client.get(f"/api/v1/bulk-invites/{invited['bulk_invite_id']}", headers=auth)
    ).status_code == 404
    # my own assessment cannot invite their candidate either
    mine_assessment = (
        await sandbox_client.post(
            f"/api/v1/jobs/{my_job['id']}/assessments",
            json={"title": "Mine", "questions": ["Q?"]},
            headers=auth,
        )
    ).json()
    cross = await sandbox_client.post(
        f"/api/v1/assessments/{mine_assessment['id']}/invitations",
        json={"candidate_ids": [their_candidate]},
        headers=auth,
    )
    assert cross.status_code == 404
    assert await db.fetchval("SELECT count(*) FROM invitation") == 1

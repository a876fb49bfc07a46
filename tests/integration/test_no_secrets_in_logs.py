"""Secrets never reach the logs: a full flow against a real `hirewire serve` (with its worker and
the sandbox) at DEBUG level, then the captured output is searched for every secret the flow
used: the Ribbon API key, the webhook signing secret, the password, the session cookie and the
API token. The test first proves it knows each value (and that the key and secret are stored
only sealed), so a leak cannot hide behind a value the test got wrong."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from app import db
from app.accounts.auth import SESSION_COOKIE
from app.accounts.service import create_api_token, create_organisation, create_user
from tests.conftest import start_server
from tests.factories import BOX
from tests.integration.recruiting import fetch_one
from tests.sandbox_support import wait_for
from tests.webhook_support import webhook_database, wh_settings

__all__ = ["webhook_database", "wh_settings"]

PASSWORD = "Very-Secret-Passw0rd-4-logs"


async def form(http: httpx.AsyncClient, url: str, data: dict[str, Any]) -> httpx.Response:
    if "csrftoken" not in http.cookies:
        await http.get("/login")
    return await http.post(url, data={**data, "_csrf_token": http.cookies["csrftoken"]})


async def knobs(http: httpx.AsyncClient, **values: Any) -> None:
    response = await http.post("/sandbox/api/admin/knobs", json=values)
    assert response.status_code == 200, response.text


def located(response: httpx.Response, prefix: str) -> uuid.UUID:
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    match = re.search(prefix + r"([0-9a-f-]{36})", response.headers["location"])
    assert match, response.headers["location"]
    return uuid.UUID(match.group(1))


async def test_a_full_flow_logs_no_secret(wh_settings, webhook_database):
    api_key = str(uuid.uuid4())
    org = await create_organisation("Log Org")
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    await create_user(org, email, PASSWORD, "admin", name="Admin")
    server = start_server(webhook_database, {"LOG_LEVEL": "DEBUG", "LOG_JSON": "1"})
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await http.get("/login")
            logged_in = await form(http, "/login", {"email": email, "password": PASSWORD})
            assert logged_in.status_code in (302, 303), logged_in.text[:300]
            session = http.cookies[SESSION_COOKIE]
            saved = await form(http, "/settings/ribbon-key", {"api_key": api_key})
            assert saved.status_code in (302, 303), saved.text[:300]
            tested = await form(http, "/settings/test-connection", {})
            assert "accepted" in tested.text
            # error paths log the most: a refused key, then provider errors while creating
            await knobs(http, rejected_api_keys=[api_key])
            refused = await form(http, "/settings/test-connection", {})
            assert "refused" in refused.text
            await knobs(http, rejected_api_keys=[], api_error="503", api_error_next=2)
            job_id = located(await form(http, "/jobs", {"title": "Engineer"}), "/jobs/")
            added = await form(
                http,
                f"/jobs/{job_id}/candidates",
                {"email": "cand@example.com", "first_name": "Ada", "last_name": "L"},
            )
            assert added.status_code in (302, 303)
            assessment_id = located(
                await form(
                    http,
                    f"/jobs/{job_id}/assessments",
                    {
                        "title": "Screen",
                        "questions": ["Why us?"],
                        "interview_type": "recruitment",
                        "language": "en-US",
                    },
                ),
                "/assessments/",
            )
            row = await fetch_one(
                "SELECT status, webhook_secret_enc, webhook_token, provider_flow_id FROM assessment"
            )
            assert row["status"] == "active"
            webhook_token = row["webhook_token"]
            secret = BOX.open(row["webhook_secret_enc"])
            assert secret not in row["webhook_secret_enc"]
            flow = await http.get(
                f"/sandbox/api/v1/interview-flows/{row['provider_flow_id']}",
                headers={"authorization": f"Bearer {api_key}"},
            )
            assert secret in flow.text  # the secret really travelled to the provider
            candidate_id = await db.fetchval("SELECT id FROM candidate")
            invited = await form(
                http,
                f"/jobs/{job_id}/invitations",
                {"assessment_id": str(assessment_id), "candidate_ids": [str(candidate_id)]},
            )
            assert invited.status_code in (302, 303), invited.text[:300]

            async def interview() -> Any:
                return await db.fetchval(
                    "SELECT provider_interview_id FROM invitation WHERE status = 'invited'"
                )

            interview_id = await wait_for(interview, timeout=30)
            forged = await http.post(
                f"/webhooks/ribbon/{webhook_token}",
                content=b'{"event_type": "interview_processed"}',
                headers={"x-ribbon-signature": "0" * 64},
            )
            assert forged.status_code == 401
            done = await http.post(f"/sandbox/api/admin/interviews/{interview_id}/complete")
            assert done.status_code == 200, done.text

            async def complete() -> Any:
                status = await db.fetchval("SELECT status FROM invitation")
                processed = await db.fetchval(
                    "SELECT count(*) FROM webhook_delivery WHERE status = 'processed'"
                )
                return status == "complete" and processed >= 1

            await wait_for(complete, timeout=60)
            token = await create_api_token(email)
            jobs = await http.get("/api/v1/jobs", headers={"authorization": f"Bearer {token}"})
            assert jobs.status_code == 200
            assert jobs.json()[0]["title"] == "Engineer"
            bad = await http.get("/api/v1/jobs", headers={"authorization": f"Bearer {token}x"})
            assert bad.status_code == 401
            async with httpx.AsyncClient(base_url=server.url) as other:
                wrong = await form(other, "/login", {"email": email, "password": PASSWORD + "x"})
                assert wrong.status_code == 401
            logged_out = await form(http, "/logout", {})
            assert logged_out.status_code in (302, 303)
            http.cookies.set(SESSION_COOKIE, session)
            after = await http.get("/jobs")
            assert after.status_code in (302, 303, 401)  # the session ended with the logout
    finally:
        server.stop()
    stored_key = await db.fetchval("SELECT ribbon_api_key_enc FROM organisation")
    assert BOX.open(stored_key) == api_key
    assert api_key not in stored_key

    log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(line.get("level") == "debug" for line in lines), "DEBUG logs were captured"
    events = {line.get("event") for line in lines}
    assert {"job_ran", "ribbon_call_failed", "webhook_signature_failed"} <= events, events
    secrets = {
        "api key": api_key,
        "webhook secret": secret,
        "password": PASSWORD,
        "session cookie": session,
        "api token": token,
    }
    for name, value in secrets.items():
        assert value not in log, f"the {name} is in the server's log"
    # nor their common transformations (e.g. a secret's hex, a Bearer header)
    assert f"Bearer {api_key}" not in log
    assert api_key.replace("-", "") not in log

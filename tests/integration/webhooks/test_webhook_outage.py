"""The database stops while webhooks arrive: the endpoint answers 503 (so the provider retries),
and the retry after the restart is stored and processed once. Runs on a private cluster."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx

from app.providers.ribbon.webhooks import sign
from tests.conftest import start_server
from tests.factories import BOX
from tests.sandbox_support import complete, create_flow, create_interview, sandbox_key, wait_for
from tests.webhook_support import event_body


async def seed(dsn: str, key: str, flow, interview_id: str) -> uuid.UUID:
    conn = await asyncpg.connect(dsn)
    try:
        org = await conn.fetchval(
            "INSERT INTO organisation (name, ribbon_api_key_enc) VALUES ('Org', $1) RETURNING id",
            BOX.seal(key),
        )
        job = await conn.fetchval(
            "INSERT INTO job (organisation_id, title) VALUES ($1, 'Engineer') RETURNING id", org
        )
        assessment = await conn.fetchval(
            """INSERT INTO assessment (organisation_id, job_id, title, status, video_enabled,
                   provider_flow_id, webhook_token, webhook_secret_enc)
               VALUES ($1, $2, 'A', 'active', false, $3, $4, $5) RETURNING id""",
            org,
            job,
            flow.flow_id,
            flow.token,
            BOX.seal(flow.secret),
        )
        candidate = await conn.fetchval(
            "INSERT INTO candidate (organisation_id, email) VALUES ($1, 'ada@example.com') "
            "RETURNING id",
            org,
        )
        application = await conn.fetchval(
            "INSERT INTO application (organisation_id, job_id, candidate_id) "
            "VALUES ($1, $2, $3) RETURNING id",
            org,
            job,
            candidate,
        )
        return await conn.fetchval(
            """INSERT INTO invitation (organisation_id, assessment_id, application_id,
                   candidate_id, job_id, status, provider_interview_id)
               VALUES ($1, $2, $3, $4, $5, 'invited', $6) RETURNING id""",
            org,
            assessment,
            application,
            candidate,
            job,
            interview_id,
        )
    finally:
        await conn.close()


async def test_database_down_gives_503_and_the_retry_is_processed_once(private_cluster):
    server = start_server(private_cluster.as_test_database(), worker=True, migrate=True)
    try:
        key = sandbox_key()
        flow = await create_flow(server.url, key, video=False, drop_next=10)
        interview_id = await create_interview(flow, "ada@example.com")
        invitation_id = await seed(private_cluster.dsn, key, flow, interview_id)
        await complete(server.url, interview_id)  # its own webhooks are dropped: we send ours
        body = event_body("interview_processed", interview_id, flow.flow_id)
        headers = {"x-ribbon-signature": sign(body, flow.secret)}
        url = f"{server.url}/webhooks/ribbon/{flow.token}"
        async with httpx.AsyncClient(timeout=30) as http:
            private_cluster.stop()
            down = await http.post(url, content=body, headers=headers)
            assert down.status_code == 503, down.text
            assert "message" in down.json()
            await asyncio.to_thread(private_cluster.restart)
            answers = []
            for _ in range(20):  # the provider retries until it gets a 2xx
                answer = await http.post(url, content=body, headers=headers)
                answers.append(answer.status_code)
                if answer.status_code == 202:
                    break
                await asyncio.sleep(0.5)
            assert answers[-1] == 202, answers
            assert set(answers) <= {503, 202}
            again = await http.post(url, content=body, headers=headers)
            assert again.json()["status"] == "duplicate"

        conn = await asyncpg.connect(private_cluster.dsn)
        try:

            async def processed() -> bool:
                status = await conn.fetchval(
                    "SELECT status FROM invitation WHERE id = $1", invitation_id
                )
                return status == "complete"

            await wait_for(processed, timeout=60)
            assert await conn.fetchval("SELECT count(*) FROM webhook_delivery") == 1
            assert await conn.fetchval("SELECT status FROM webhook_delivery") == "processed"
            completes = await conn.fetchval(
                "SELECT count(*) FROM invitation_event WHERE invitation_id = $1 "
                "AND kind = 'status'",
                invitation_id,
            )
            assert completes == 1
        finally:
            await conn.close()
    finally:
        server.stop()

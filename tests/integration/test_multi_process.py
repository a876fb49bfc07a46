"""Two `serve` and two `worker` processes on one PostgreSQL under load: a few hundred signed
webhooks (duplicates included, shuffled) alternate between the two web processes while both
workers process. Every invitation ends in the sandbox's truth, each delivery is processed
exactly once, nothing is applied twice and no update is lost."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import db
from app.providers.ribbon.webhooks import sign
from tests.conftest import LiveServer, start_process, start_server
from tests.factories import make_assessment, make_invitation, make_org
from tests.integration.recruiting import fetch_one
from tests.sandbox_support import complete, create_flow, create_interview, sandbox_key, wait_for
from tests.webhook_support import event_body, webhook_database, wh_settings

__all__ = ["webhook_database", "wh_settings"]

INVITATIONS = 80  # x 2 events x 1 to 3 copies: about 320 posts
PARTIAL_EVERY = 4  # every 4th interview is completed with a null score: ends 'partial'


@pytest.fixture
def cluster(webhook_database: Any, wh_settings: Any) -> Iterator[tuple[list[LiveServer], Any]]:
    """Web A carries the sandbox (the provider both web processes and both workers call);
    web B is a plain web process. Neither runs a worker: the two worker processes do."""
    web_a = start_server(webhook_database, worker=False)
    provider = {"RIBBON_API_BASE": f"{web_a.url}/sandbox/api"}
    web_b = start_server(webhook_database, {**provider, "SANDBOX_ENABLED": "0"}, worker=False)
    workers = [
        start_process(["worker", "--concurrency", "8"], provider, webhook_database, f"w{i}")
        for i in range(2)
    ]
    try:
        yield [web_a, web_b], workers
    finally:
        for process, _ in workers:
            process.terminate()
        for process, _ in workers:
            try:
                process.wait(timeout=20)
            except Exception:
                process.kill()
        web_b.stop()
        web_a.stop()


async def test_two_web_and_two_worker_processes_process_each_delivery_once(cluster):
    (web_a, web_b), workers = cluster
    async with httpx.AsyncClient(base_url=web_a.url, timeout=30) as http:
        reset = await http.post("/sandbox/api/admin/knobs", json={"reset": True})
        assert reset.status_code == 200, reset.text
        # the sandbox's own deliveries are dropped: the test sends every webhook itself
        dropped = await http.post("/sandbox/api/admin/knobs", json={"drop_probability": 1})
        assert dropped.status_code == 200, dropped.text
    key = sandbox_key()
    flow = await create_flow(web_a.url, key, video=True)
    org = await make_org(ribbon_api_key=key)
    assessment = await make_assessment(
        org, video_enabled=True, flow_id=flow.flow_id, secret=flow.secret, token=flow.token
    )
    emails = [f"load{i}-{secrets.token_hex(3)}@example.com" for i in range(INVITATIONS)]
    interview_ids = await asyncio.gather(*(create_interview(flow, e) for e in emails))
    invitations = [
        await make_invitation(assessment, interview_id=interview_id, email=email)
        for email, interview_id in zip(emails, interview_ids, strict=True)
    ]

    async def finish(i: int, interview_id: str) -> None:
        options: dict[str, Any] = {"video": True}
        if i % PARTIAL_EVERY == 0:
            options["null_scores"] = ["skills"]
        await complete(web_a.url, interview_id, **options)

    await asyncio.gather(*(finish(i, inv.interview_id) for i, inv in enumerate(invitations)))

    bodies = []
    for inv in invitations:
        for event in ("interview_processed", "video_processed"):
            body = event_body(event, inv.interview_id, flow.flow_id)
            bodies += [body] * random.randint(1, 3)
    random.shuffle(bodies)
    distinct = len(set(bodies))
    assert len(bodies) >= 2 * INVITATIONS + 50

    gate = asyncio.Semaphore(16)
    answers: list[int] = []
    async with (
        httpx.AsyncClient(base_url=web_a.url, timeout=30) as to_a,
        httpx.AsyncClient(base_url=web_b.url, timeout=30) as to_b,
    ):

        async def deliver(n: int, body: bytes) -> None:
            http = to_a if n % 2 else to_b
            async with gate:
                response = await http.post(
                    f"/webhooks/ribbon/{flow.token}",
                    content=body,
                    headers={
                        "content-type": "application/json",
                        "x-ribbon-signature": sign(body, flow.secret),
                    },
                )
            answers.append(response.status_code)

        await asyncio.gather(*(deliver(n, body) for n, body in enumerate(bodies)))
    assert set(answers) == {202}, answers

    async def settled() -> Any:
        left = await db.fetchval(
            "SELECT count(*) FROM queue_job WHERE kind = 'process_delivery' AND status <> 'done'"
        )
        processed = await db.fetchval(
            "SELECT count(*) FROM webhook_delivery WHERE status = 'processed'"
        )
        return left == 0 and processed == distinct

    await wait_for(settled, timeout=45)
    for process, log in workers:
        assert process.poll() is None, log.read_text()[-2000:]

    # each delivery stored once and processed once
    assert await db.fetchval("SELECT count(*) FROM webhook_delivery") == distinct
    jobs = await db.fetch(
        "SELECT payload ->> 'delivery_id' AS d, count(*) AS n FROM queue_job "
        "WHERE kind = 'process_delivery' GROUP BY 1"
    )
    assert len(jobs) == distinct
    assert all(j["n"] == 1 for j in jobs)
    per_delivery = await db.fetch(
        """SELECT delivery_id, count(*) AS n FROM invitation_event
           WHERE kind = 'webhook' GROUP BY delivery_id"""
    )
    assert len(per_delivery) == distinct
    assert all(r["n"] == 1 for r in per_delivery), per_delivery
    # one result row per invitation, and every fact of both events kept (no lost update)
    assert await db.fetchval("SELECT count(*) FROM assessment_result") == INVITATIONS
    async with httpx.AsyncClient(base_url=web_a.url, timeout=30) as http:
        truths = [
            (await http.get(f"/sandbox/api/admin/interviews/{inv.interview_id}")).json()
            for inv in invitations
        ]
    for i, (inv, truth) in enumerate(zip(invitations, truths, strict=True)):
        row = await fetch_one(
            """SELECT i.status, i.missing, r.video_url, r.summary, r.scores
               FROM invitation i JOIN assessment_result r ON r.invitation_id = i.id
               WHERE i.id = $1""",
            inv.id,
        )
        data = truth["interview_data"]
        scores = row["scores"]
        assert row["video_url"], inv.id
        assert row["video_url"] == data["video_url"]
        assert row["summary"] == data["summary"]
        for key in ("communication", "motivation", "skills"):
            if data["scores"].get(key) is None:
                assert key not in scores
            else:
                assert scores[key]["value"] == data["scores"][key]
        if i % PARTIAL_EVERY == 0:
            assert (row["status"], row["missing"]) == ("partial", ["score: skills"])
        else:
            assert (row["status"], row["missing"]) == ("complete", [])
        completes = await db.fetchval(
            """SELECT count(*) FROM invitation_event WHERE invitation_id = $1
               AND kind = 'status' AND message LIKE '%-> complete'""",
            inv.id,
        )
        assert completes == (0 if i % PARTIAL_EVERY == 0 else 1)

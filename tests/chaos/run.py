"""`just chaos`: many webhook deliveries (30% duplicates, shuffled) while worker processes are
SIGKILLed and restarted and the database is restarted once; then every invitation is checked
against the sandbox's truth and the lost / double-applied / wrong counts are printed (all 0).

Everything runs on a private embedded PostgreSQL under a temporary folder: one `serve` process
(webhook endpoint + Ribbon sandbox, no worker) and several `worker` processes. The sandbox holds
the truth (interviews created and completed through its API); its own webhook sender is switched
off for the flow (drop_probability 1) so this driver can send the flow's webhooks itself, signed
with the flow's secret, in a shuffled order with duplicates, retrying every non-2xx answer as a
provider would."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import stamina

from app import embedded_db
from app.crypto import SecretBox
from app.providers.ribbon.webhooks import RibbonWebhooks, sign

SECRET_KEY = "chaos-secret-key-0123456789abcdef"
EVENTS_PER_INTERVIEW = 2.4  # interview_processed + video_processed + 2 moves for every 5th


@dataclass
class Run:
    root: Path
    pgdata: Path
    dsn: str
    base: str
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    server: subprocess.Popen[bytes] | None = None
    kills: int = 0
    restarts_of_db: int = 0
    answers: dict[int, int] = field(default_factory=dict)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000, help="webhook requests to send")
    parser.add_argument("--duplicates", type=float, default=0.3, help="share of duplicates")
    parser.add_argument("--workers", type=int, default=3, help="worker processes")
    parser.add_argument("--kill-every", type=float, default=2.0, help="seconds between SIGKILLs")
    parser.add_argument("--lease-seconds", type=int, default=5, help="workers' job lease")
    parser.add_argument("--concurrency", type=int, default=48, help="parallel webhook requests")
    parser.add_argument("--timeout", type=float, default=1200, help="give up after (seconds)")
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(run: Run, args: list[str], name: str) -> subprocess.Popen[bytes]:
    log = (run.root / f"{name}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args], env=run.env, stdout=log, stderr=subprocess.STDOUT
    )


def say(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


async def start(args: argparse.Namespace) -> Run:
    root = Path(tempfile.mkdtemp(prefix="hwchaos-"))
    pgdata = root / "pg"
    server_dsn = embedded_db.start(pgdata, stop_at_exit=True)
    dsn = await embedded_db.ensure_database(server_dsn, "hirewire")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "HIREWIRE_DATA_DIR": str(root / "data"),
        "PUBLIC_BASE_URL": base,
        "RIBBON_API_BASE": f"{base}/sandbox/api",
        "SANDBOX_ENABLED": "1",
        "RECONCILE_EVERY_SECONDS": "3600",
    }
    run = Run(root, pgdata, dsn, base, env)
    subprocess.run([sys.executable, "-m", "app", "migrate"], env=env, check=True)
    run.server = spawn(run, ["serve", "--port", str(port), "--no-worker", "--no-migrate"], "serve")
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    say(f"server on {base}, database and logs under {root}")
    return run


async def make_truth(run: Run, interviews: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A flow and its interviews in the sandbox, all completed with video."""
    key, token, secret = str(uuid.uuid4()), secrets.token_urlsafe(16), secrets.token_hex(16)
    auth = {"authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=run.base, timeout=60, limits=limits) as http:
        made = await http.post(
            "/sandbox/api/v1/interview-flows",
            headers=auth,
            json={
                "org_name": "Chaos",
                "title": "Chaos engineer",
                "questions": ["What broke last?", "How did you fix it?"],
                "is_video_enabled": True,
                "webhook_url": f"{run.base}/webhooks/ribbon/{token}",
                "webhook_secret_key": secret,
            },
        )
        made.raise_for_status()
        flow_id = made.json()["interview_flow_id"]
        knobs = {"drop_probability": 1.0, "video_delay_seconds": 0}
        (
            await http.post(f"/sandbox/api/admin/flows/{flow_id}/knobs", json=knobs)
        ).raise_for_status()
        gate = asyncio.Semaphore(32)

        async def one(i: int) -> dict[str, str]:
            email = f"candidate{i}@example.com"
            async with gate:
                r = await _setup_post(
                    http,
                    "/sandbox/api/v1/interviews",
                    headers=auth,
                    json={"interview_flow_id": flow_id, "interviewee_email_address": email},
                )
                r.raise_for_status()
                interview_id = r.json()["interview_id"]
                done = await _setup_post(
                    http,
                    f"/sandbox/api/admin/interviews/{interview_id}/complete",
                    json={"video": True},
                )
                if done.status_code != 409:  # 409: a retried complete that had gone through
                    done.raise_for_status()
            return {"email": email, "interview_id": interview_id}

        people = await asyncio.gather(*(one(i) for i in range(interviews)))
    flow = {"key": key, "token": token, "secret": secret, "flow_id": flow_id}
    return flow, list(people)


async def _setup_post(http: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
    """Setup calls retry a dropped connection (a keep-alive connection the server closed as it
    was reused): building the truth is not what this run tests. A retried create may leave an
    extra sandbox interview behind; only the ids returned are used."""
    async for attempt in stamina.retry_context(on=httpx.TransportError, attempts=5):
        with attempt:
            return await http.post(path, **kwargs)
    raise AssertionError("unreachable: stamina re-raises the last error")


async def seed_ours(run: Run, flow: dict[str, Any], people: list[dict[str, str]]) -> None:
    box = SecretBox(SECRET_KEY)
    conn = await asyncpg.connect(run.dsn)
    try:
        org = await conn.fetchval(
            "INSERT INTO organisation (name, ribbon_api_key_enc) VALUES ('Chaos', $1) RETURNING id",
            box.seal(flow["key"]),
        )
        job = await conn.fetchval(
            "INSERT INTO job (organisation_id, title) VALUES ($1, 'Chaos') RETURNING id", org
        )
        assessment = await conn.fetchval(
            """INSERT INTO assessment (organisation_id, job_id, title, status, video_enabled,
                   provider_flow_id, webhook_token, webhook_secret_enc)
               VALUES ($1, $2, 'Chaos', 'active', true, $3, $4, $5) RETURNING id""",
            org,
            job,
            flow["flow_id"],
            flow["token"],
            box.seal(flow["secret"]),
        )
        await conn.execute(
            """WITH c AS (
                   INSERT INTO candidate (organisation_id, email)
                   SELECT $1, e FROM unnest($3::text[]) AS e RETURNING id, email),
               a AS (
                   INSERT INTO application (organisation_id, job_id, candidate_id)
                   SELECT $1, $2, id FROM c RETURNING id, candidate_id)
               INSERT INTO invitation (organisation_id, assessment_id, application_id,
                   candidate_id, job_id, status, provider_interview_id, invited_at)
               SELECT $1, $4, a.id, c.id, $2, 'invited', p.interview_id, now()
               FROM a JOIN c ON c.id = a.candidate_id
               JOIN unnest($3::text[], $5::text[]) AS p(email, interview_id)
                 ON p.email = c.email""",
            org,
            job,
            [p["email"] for p in people],
            assessment,
            [p["interview_id"] for p in people],
        )
    finally:
        await conn.close()


MOVES = [("", "shortlisted"), ("shortlisted", "accepted")]


def plan(
    flow: dict[str, Any], people: list[dict[str, str]], total: int, dup: float, rng: random.Random
) -> tuple[list[bytes], list[bytes]]:
    distinct: list[bytes] = []
    for i, person in enumerate(people):
        for event in ("interview_processed", "video_processed"):
            body = {
                "event_type": event,
                "interview_flow_id": flow["flow_id"],
                "interview_id": person["interview_id"],
                "interviewee_email_address": person["email"],
                "status": "completed",
            }
            distinct.append(json.dumps(body).encode())
        if i % 5 == 0:
            for previous, new in MOVES:
                body = {
                    "event_type": "candidate_status_updated",
                    "interview_flow_id": flow["flow_id"],
                    "interviewee_email": person["email"],
                    "previous_status": previous,
                    "new_status": new,
                }
                distinct.append(json.dumps(body).encode())
    extra = max(0, total - len(distinct)) if dup > 0 else 0
    sends = distinct + [rng.choice(distinct) for _ in range(extra)]
    rng.shuffle(sends)
    return distinct, sends


async def send_all(run: Run, flow: dict[str, Any], sends: list[bytes], concurrency: int) -> None:
    url = f"{run.base}/webhooks/ribbon/{flow['token']}"
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    restart_at = len(sends) // 3
    delivered = 0
    restart: list[asyncio.Task[None]] = []

    async def one(n: int, body: bytes, http: httpx.AsyncClient) -> None:
        nonlocal delivered
        headers = {
            "content-type": "application/json",
            "x-ribbon-signature": sign(body, flow["secret"]),
        }
        async with gate:
            for attempt in range(400):  # a provider retries until it gets a 2xx
                try:
                    answer = await http.post(url, content=body, headers=headers)
                    run.answers[answer.status_code] = run.answers.get(answer.status_code, 0) + 1
                    if answer.status_code < 300:
                        delivered += 1
                        if delivered == restart_at:  # a third in: restart the database once
                            restart.append(asyncio.create_task(restart_database(run)))
                        return
                except httpx.HTTPError:
                    run.answers[0] = run.answers.get(0, 0) + 1
                await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
            raise RuntimeError("a delivery never got a 2xx")

    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        await asyncio.gather(*(one(n, body, http) for n, body in enumerate(sends)))
    await asyncio.gather(*restart)


async def restart_database(run: Run) -> None:
    say("stopping the database")
    await asyncio.to_thread(embedded_db.stop, run.pgdata)
    await asyncio.sleep(2)
    await asyncio.to_thread(embedded_db.restart, run.pgdata)
    run.restarts_of_db += 1
    say("database is back")


async def kill_workers(run: Run, args: argparse.Namespace, stop: asyncio.Event) -> None:
    rng = random.Random()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=args.kill_every)
            return
        except TimeoutError:
            pass
        i = rng.randrange(len(run.workers))
        run.workers[i].send_signal(signal.SIGKILL)
        await asyncio.to_thread(run.workers[i].wait)
        run.kills += 1
        run.workers[i] = start_worker(run, args, i)


def start_worker(run: Run, args: argparse.Namespace, i: int) -> subprocess.Popen[bytes]:
    worker_args = ["worker", "--concurrency", "8", "--lease-seconds", str(args.lease_seconds)]
    return spawn(run, worker_args, f"worker-{i}")


async def wait_processed(run: Run, distinct: int, deadline: float) -> dict[str, int]:
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        try:
            conn = await asyncpg.connect(run.dsn, timeout=5)
            try:
                rows = await conn.fetch(
                    "SELECT status, count(*) AS n FROM webhook_delivery GROUP BY status"
                )
                busy = await conn.fetchval(
                    "SELECT count(*) FROM queue_job WHERE status IN ('queued', 'running') "
                    "AND kind = 'process_delivery' AND run_at < now() + interval '1 minute'"
                )
            finally:
                await conn.close()
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(1)
            continue
        counts = {r["status"]: r["n"] for r in rows}
        settled = counts.get("processed", 0) + counts.get("dead", 0) + counts.get("ignored", 0)
        if settled >= distinct and not busy:
            return counts
        await asyncio.sleep(1)
    return counts


async def verify(run: Run, distinct: list[bytes]) -> dict[str, Any]:
    """Every invitation against the sandbox's truth."""
    from app.invitations.merge import derive_status
    from app.invitations.results import from_row
    from app.providers.ribbon.sandbox.service import interview_json
    from app.providers.ribbon.translate import translate_interview

    adapter = RibbonWebhooks()
    conn = await asyncpg.connect(run.dsn)
    try:
        sent_keys = {adapter.parse(body).idempotency_key for body in distinct}
        stored_keys = {
            r["idempotency_key"]
            for r in await conn.fetch("SELECT idempotency_key FROM webhook_delivery")
        }
        lost = len(sent_keys - stored_keys)
        double = await conn.fetchval(
            """SELECT count(*) FROM (SELECT delivery_id FROM invitation_event
               WHERE kind IN ('webhook', 'stage') AND delivery_id IS NOT NULL
               GROUP BY delivery_id, invitation_id HAVING count(*) > 1) d"""
        )
        double += await conn.fetchval(
            """SELECT count(*) FROM (SELECT invitation_id FROM invitation_event
               WHERE kind = 'status' AND message LIKE '%-> complete'
               GROUP BY invitation_id HAVING count(*) > 1) d"""
        )
        truths = {r["id"]: r for r in await conn.fetch("SELECT * FROM sandbox_interview")}
        rows = await conn.fetch(
            """SELECT i.id, i.status, i.missing, i.provider_interview_id, i.provider_stage,
                      c.email, r.*
               FROM invitation i JOIN candidate c ON c.id = i.candidate_id
               LEFT JOIN assessment_result r ON r.invitation_id = i.id"""
        )
        wrong, not_done, examples = 0, 0, []
        movers = {json.loads(b)["interviewee_email"] for b in distinct if b"candidate_status" in b}
        for row in rows:
            truth = translate_interview(interview_json(truths[row["provider_interview_id"]]))
            expected_missing = adapter.missing(truth, True)
            expected_status, _ = derive_status("invited", truth, expected_missing, True)
            if row["provider_status"] is None:
                not_done += 1
                examples.append(f"{row['id']}: no result at all")
                continue
            ours = from_row(row, "ribbon", row["provider_interview_id"])
            problems = []
            if row["status"] != expected_status:
                problems.append(f"status {row['status']} != {expected_status}")
            if {k: s.value for k, s in ours.scores.items()} != {
                k: s.value for k, s in truth.scores.items()
            }:
                problems.append("scores differ")
            for attr in ("summary", "video_url", "audio_url"):
                if getattr(ours, attr) != getattr(truth, attr):
                    problems.append(f"{attr} differs")
            if len(ours.transcript) != len(truth.transcript):
                problems.append("transcript differs")
            stage = "accepted" if row["email"] in movers else ""
            if row["provider_stage"] != stage:
                problems.append(f"stage {row['provider_stage']!r} != {stage!r}")
            if problems:
                wrong += 1
                examples.append(f"{row['id']}: {', '.join(problems)}")
        dead = await conn.fetchval("SELECT count(*) FROM webhook_delivery WHERE status = 'dead'")
    finally:
        await conn.close()
    return {
        "lost": lost + not_done,
        "double_applied": double,
        "wrong": wrong,
        "dead": dead,
        "invitations": len(rows),
        "examples": examples[:10],
    }


async def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    run = await start(args)
    stop = asyncio.Event()
    try:
        interviews = max(1, round(args.deliveries * (1 - args.duplicates) / EVENTS_PER_INTERVIEW))
        say(f"creating and completing {interviews} interviews in the sandbox")
        flow, people = await make_truth(run, interviews)
        await seed_ours(run, flow, people)
        distinct, sends = plan(flow, people, args.deliveries, args.duplicates, rng)
        say(f"sending {len(sends)} deliveries ({len(sends) - len(distinct)} duplicates)")
        run.workers = [start_worker(run, args, i) for i in range(args.workers)]
        killer = asyncio.create_task(kill_workers(run, args, stop))
        started = time.monotonic()
        await send_all(run, flow, sends, args.concurrency)
        say(f"all delivered in {time.monotonic() - started:.1f}s; answers {run.answers}")
        counts = await wait_processed(run, len(distinct), time.monotonic() + args.timeout)
        say(f"processing settled in {time.monotonic() - started:.1f}s: {counts}")
        stop.set()
        await killer
        report = await verify(run, distinct)
    finally:
        stop.set()
        for worker in run.workers:
            if worker.poll() is None:
                worker.terminate()
        if run.server is not None:
            run.server.terminate()
        for process in [*run.workers, *([run.server] if run.server else [])]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        try:  # after a restart the cluster is no longer the embedded package's to stop
            embedded_db.stop(run.pgdata)
        except Exception as exc:
            say(f"could not stop the database: {exc}")
    print()
    print(f"deliveries sent:        {len(sends)} ({len(distinct)} distinct)")
    print(f"workers SIGKILLed:      {run.kills}")
    print(f"database restarts:      {run.restarts_of_db}")
    print(f"invitations checked:    {report['invitations']}")
    print(f"dead deliveries:        {report['dead']}")
    print(f"lost:                   {report['lost']}")
    print(f"double-applied:         {report['double_applied']}")
    print(f"wrong:                  {report['wrong']}")
    for line in report["examples"]:
        print(f"  e.g. {line}")
    ok = report["lost"] == report["double_applied"] == report["wrong"] == 0
    print("RESULT:", "PASS" if ok else f"FAIL (logs under {run.root})")
    unexpected = set(run.answers) - {0, 202, 503}
    if unexpected:
        print(f"unexpected answers {sorted(unexpected)}: see {run.root}/serve.log")
    if ok and not unexpected:
        shutil.rmtree(run.root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

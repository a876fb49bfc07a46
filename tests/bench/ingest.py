"""Benchmark 1: signed Ribbon webhooks (unique interviews plus 30% duplicates) at 32
concurrent connections, against `hirewire serve` and against the bare-INSERT ceiling."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import secrets
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import db
from app.accounts.service import create_organisation
from app.crypto import SecretBox
from tests.bench.harness import SECRET_KEY, BenchEnv, CpuMeter, free_port

WRK_SCRIPT = Path(__file__).with_name("post.lua")


@dataclass
class Assessment:
    organisation_id: uuid.UUID
    job_id: uuid.UUID
    assessment_id: uuid.UUID
    token: str
    secret: str
    flow_id: str


async def seed_assessment(name: str = "Bench Org", video: bool = True) -> Assessment:
    box = SecretBox(SECRET_KEY)
    org_id = await create_organisation(f"{name} {secrets.token_hex(3)}", "bench-key", box)
    job_id = await db.fetchval(
        "INSERT INTO job (organisation_id, title) VALUES ($1, 'Bench job') RETURNING id", org_id
    )
    token, secret, flow_id = (
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(32),
        secrets.token_hex(4),
    )
    assessment_id = await db.fetchval(
        """INSERT INTO assessment (organisation_id, job_id, title, questions, video_enabled,
               status, provider_flow_id, webhook_token, webhook_secret_enc)
           VALUES ($1, $2, 'Bench assessment', '["Tell us about yourself."]', $3, 'active',
                   $4, $5, $6) RETURNING id""",
        org_id,
        job_id,
        video,
        flow_id,
        token,
        box.seal(secret),
    )
    return Assessment(org_id, job_id, assessment_id, token, secret, flow_id)


def webhook_body(event: str, flow_id: str, interview_id: str) -> bytes:
    payload = {
        "event_type": event,
        "interview_flow_id": flow_id,
        "interview_id": interview_id,
        "interview_link": f"https://app.ribbon.ai/recruit/interviews/{flow_id}/{interview_id}",
        "interview_flow_name": "Bench assessment",
        "interviewee_email_address": None,
        "interviewee_first_name": None,
        "interviewee_last_name": None,
        "status": "completed",
    }
    return json.dumps(payload, separators=(", ", ": ")).encode()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_file(assessment: Assessment, unique: int, duplicate_share: float = 0.3) -> Path:
    """Unique interview_processed deliveries plus duplicates of earlier ones, shuffled."""
    rng = random.Random(7)
    lines = []
    for _ in range(unique):
        body = webhook_body("interview_processed", assessment.flow_id, str(uuid.uuid4()))
        lines.append(
            f"/webhooks/ribbon/{assessment.token}\t{sign(assessment.secret, body)}\t{body.decode()}"
        )
    duplicates = int(unique * duplicate_share / (1 - duplicate_share))
    lines += [rng.choice(lines) for _ in range(duplicates)]
    rng.shuffle(lines)
    path = Path(tempfile.mkstemp(prefix="bench-requests-", suffix=".tsv")[1])
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(url: str, requests_path: Path, seconds: int, connections: int = 32) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (just bench installs it from Debian)")
    with CpuMeter() as meter:
        out = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                "-s",
                str(WRK_SCRIPT),
                url,
                "--",
                str(requests_path),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    match = re.search(r"WRK_RESULT (\{.*\})", out.stdout)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    result = json.loads(match.group(1))
    seconds_run = result["duration_us"] / 1e6
    failed = (
        result["status_errors"]
        + result["connect_errors"]
        + result["read_errors"]
        + result["timeouts"]
    )
    return {
        "requests": result["requests"],
        "failed": failed,
        "accepted_per_s": (result["requests"] - failed) / seconds_run,
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "loadgen_cpu_share": meter.machine_share,
    }


def bench_ingest(
    env: BenchEnv, assessment: Assessment, seconds: int, unique: int
) -> dict[str, Any]:
    requests_path = request_file(assessment, unique)

    ceiling_port = free_port()
    ceiling = env.start_python(
        "ceiling",
        "tests.bench.ceiling",
        ["--port", str(ceiling_port)],
        url=f"http://127.0.0.1:{ceiling_port}",
    )
    run_wrk(ceiling.url or "", requests_path, 2)  # warm-up
    ceiling_result = run_wrk(ceiling.url or "", requests_path, seconds)
    ceiling.stop()

    port = free_port()
    web = env.start(
        "web",
        ["serve", "--no-worker", "--no-migrate", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
    )
    run_wrk(web.url or "", requests_path, 2)  # warm-up
    app_result = run_wrk(web.url or "", requests_path, seconds)
    app_result["web_rss_mb"] = web.rss_mb()
    web.stop()
    return {
        "app": app_result,
        "ceiling": ceiling_result,
        "ratio": app_result["accepted_per_s"] / ceiling_result["accepted_per_s"],
        "requests_in_file": sum(1 for _ in requests_path.open()),
    }

"""Bulk data for the processing and live benchmarks: an organisation whose Ribbon API key the
standalone sandbox knows, completed sandbox interviews with their invited invitations, and
queued deliveries, all written with set-based SQL."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass

from app import db
from app.accounts.service import create_organisation, create_user
from app.crypto import SecretBox
from app.providers.ribbon.sandbox.results import CompletionOptions, build_interview_data
from app.providers.ribbon.sandbox.service import team_for
from app.providers.ribbon.webhooks import RibbonWebhooks
from app.webhooks import inbox
from tests.bench.harness import SECRET_KEY
from tests.bench.ingest import sign, webhook_body
from tests.bench.seed import PASSWORD

QUESTIONS = [
    "Tell me about a time you led a team through a difficult change.",
    "What kind of problems do you enjoy solving?",
    "Why do you want to join this team?",
]
# The seeded interviews are completed at the sandbox while their invitations still show
# "invited", which is what a lost webhook looks like: the periodic reconcile sweep would race the
# deliveries under test (and page through every completed interview). It is pushed out of the
# run; the sweep is periodic work, not part of a webhook's path.
WORKER_ENV = {"RECONCILE_EVERY_SECONDS": "86400"}
HEADERS = json.dumps({"content-type": "application/json", "user-agent": "Ribbon-API-Webhook/1.0"})


@dataclass(frozen=True)
class SandboxJob:
    organisation_id: uuid.UUID
    job_id: uuid.UUID
    assessment_id: uuid.UUID
    flow_id: str
    token: str
    secret: str
    email: str


@dataclass(frozen=True)
class Interview:
    invitation_id: uuid.UUID
    interview_id: str


async def seed_sandbox_job(name: str) -> SandboxJob:
    """Organisation (with a Ribbon key: the sandbox derives the team from it), a login, a job,
    the sandbox flow of that team and the assessment pointing at it."""
    box = SecretBox(SECRET_KEY)
    api_key = str(uuid.uuid4())  # the sandbox accepts UUID-shaped keys only
    org_id = await create_organisation(f"{name} {secrets.token_hex(3)}", api_key, box)
    email = f"bench-{secrets.token_hex(4)}@example.com"
    await create_user(org_id, email, PASSWORD, "admin", "Bench Admin")
    job_id = await db.fetchval(
        "INSERT INTO job (organisation_id, title) VALUES ($1, $2) RETURNING id", org_id, name
    )
    flow_id = secrets.token_hex(4)
    spec = {"org_name": name, "title": name, "questions": QUESTIONS, "is_video_enabled": False}
    await db.fetch(
        "INSERT INTO sandbox_flow (id, team_id, spec) VALUES ($1, $2, $3::jsonb)",
        flow_id,
        team_for(api_key),
        json.dumps(spec),
    )
    token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    assessment_id = await db.fetchval(
        """INSERT INTO assessment (organisation_id, job_id, title, questions, video_enabled,
               status, provider_flow_id, webhook_token, webhook_secret_enc)
           VALUES ($1, $2, $3, $4::jsonb, false, 'active', $5, $6, $7) RETURNING id""",
        org_id,
        job_id,
        name,
        json.dumps(QUESTIONS),
        flow_id,
        token,
        box.seal(secret),
    )
    return SandboxJob(org_id, job_id, assessment_id, flow_id, token, secret, email)


def interview_data() -> str:
    """One realistic `interview_data` from the sandbox's own builder, shared by every row."""
    person = {
        "interviewee_email_address": "candidate@example.com",
        "interviewee_first_name": "Alex",
        "interviewee_last_name": "Doe",
    }
    data = build_interview_data(
        "bench", QUESTIONS, CompletionOptions(), person, "https://example.com/audio.wav"
    )
    return json.dumps(data)


async def seed_interviews(sj: SandboxJob, count: int) -> list[Interview]:
    """`count` completed sandbox interviews, each with a candidate, an application and an
    invitation ('invited') of the job. The interview id is derived from the candidate's email
    so both sides can be written without a round trip per row."""
    team = await db.fetchval("SELECT team_id FROM sandbox_flow WHERE id = $1", sj.flow_id)
    tag = secrets.token_hex(4)
    email = "'bench-' || $2 || '-' || g || '@example.com'"
    await db.fetch(
        f"""INSERT INTO sandbox_interview (id, flow_id, team_id, link_token, interview_link,
                email, first_name, last_name, status, interview_data, completed_at)
            SELECT md5({email})::uuid::text, $3, $4, gen_random_uuid()::text,
                   'https://example.com/sandbox/interview/' || g, {email}, 'First' || g,
                   'Last' || g, 'completed', $5::jsonb, now()
            FROM generate_series(1, $1) g""",
        count,
        tag,
        sj.flow_id,
        team,
        interview_data(),
    )
    rows = await db.fetch(
        f"""WITH c AS (
              INSERT INTO candidate (organisation_id, email, first_name, last_name)
              SELECT $3, {email}, 'First' || g, 'Last' || g FROM generate_series(1, $1) g
              RETURNING id, email
            ), a AS (
              INSERT INTO application (organisation_id, job_id, candidate_id)
              SELECT $3, $4, id FROM c RETURNING id, candidate_id
            )
            INSERT INTO invitation (organisation_id, assessment_id, application_id, candidate_id,
                                    job_id, status, provider_interview_id, interview_link,
                                    invited_at)
            SELECT $3, $5, a.id, a.candidate_id, $4, 'invited', md5(c.email)::uuid::text,
                   'https://example.com/sandbox/interview/' || a.id, now()
            FROM a JOIN c ON c.id = a.candidate_id
            RETURNING id, provider_interview_id""",
        count,
        tag,
        sj.organisation_id,
        sj.job_id,
        sj.assessment_id,
    )
    await db.fetch("ANALYZE")
    return [Interview(r["id"], r["provider_interview_id"]) for r in rows]


def signed_webhook(sj: SandboxJob, interview_id: str) -> tuple[str, bytes, dict[str, str]]:
    """Path, body and headers of Ribbon's `interview_processed` webhook for one interview."""
    body = webhook_body("interview_processed", sj.flow_id, interview_id)
    headers = {
        "content-type": "application/json",
        "user-agent": "Ribbon-API-Webhook/1.0",
        "x-ribbon-signature": sign(sj.secret, body),
    }
    return f"/webhooks/ribbon/{sj.token}", body, headers


async def store_deliveries(sj: SandboxJob, interviews: list[Interview]) -> list[uuid.UUID]:
    """Store one `interview_processed` delivery per interview, as the webhook endpoint stores
    it (same columns, same idempotency key), without its job."""
    adapter = RibbonWebhooks()
    bodies = [webhook_body("interview_processed", sj.flow_id, i.interview_id) for i in interviews]
    keys = [adapter.parse(b).idempotency_key for b in bodies]
    rows = await db.fetch(
        """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider,
               idempotency_key, event_type, status, headers, payload, request_id)
           SELECT $1, $2, 'ribbon', k, 'interview_processed', 'received', $3::jsonb, p::jsonb,
                  md5(k)
           FROM unnest($4::text[], $5::text[]) AS u(k, p)
           RETURNING id""",
        sj.organisation_id,
        sj.assessment_id,
        HEADERS,
        keys,
        [b.decode() for b in bodies],
    )
    return [r["id"] for r in rows]


async def queue_jobs(sj: SandboxJob, deliveries: list[uuid.UUID], kind: str) -> None:
    """One job per delivery, the shape the webhook endpoint enqueues (inbox.STORE_SQL)."""
    await db.fetch(
        """UPDATE webhook_delivery SET status = 'received', processed_at = NULL, attempts = 0
           WHERE id = ANY($1::uuid[])""",
        deliveries,
    )
    prefix = "delivery:" if kind == inbox.PROCESS_KIND else f"{kind}:"
    await db.fetch(
        """INSERT INTO queue_job (kind, payload, organisation_id, dedupe_key)
           SELECT $1, jsonb_build_object('delivery_id', d), $2, $3 || d
           FROM unnest($4::uuid[]) AS d""",
        kind,
        sj.organisation_id,
        prefix,
        deliveries,
    )
    await db.fetch("ANALYZE queue_job")


async def clear_queue() -> int:
    """Retire jobs left by earlier benchmarks in the same database (the ingest benchmark stores
    thousands of deliveries no worker has run, for interviews no sandbox knows), so a worker
    started now works on this benchmark's jobs only."""
    rows = await db.fetch(
        """UPDATE queue_job SET status = 'dead', finished_at = now(), lease_token = NULL,
               last_error = 'retired by the benchmark: left over from an earlier one'
           WHERE status IN ('queued', 'running') RETURNING id"""
    )
    return len(rows)

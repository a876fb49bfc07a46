"""Demo data for `just dev` and `hirewire demo`: an organisation, an admin login, and enough
jobs and candidates to show the product. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.accounts.service import create_organisation, create_user, user_by_id
from app.assessments.service import AssessmentInput, create_assessment, delete_unusable
from app.candidates.csv_import import parse_csv
from app.candidates.service import import_rows
from app.crypto import SecretBox
from app.invitations.service import invite
from app.jobs.service import JobInput, create_job
from app.providers.base import ProviderError
from app.providers.clients import provider_clients
from app.providers.ribbon.sandbox.finish import finish_interview
from app.providers.ribbon.sandbox.results import CompletionOptions
from app.queue import service as queue
from app.queue.registry import job_kind
from app.queue.service import Job, PermanentFailure, RetryLater
from app.settings import Settings

DEMO_ORG = "Acme Recruiting (demo)"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"
SANDBOX_API_KEY = "00000000-0000-4000-8000-00000000d3m0"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


async def seed_demo(settings: Settings) -> DemoLogin:
    org_id = await db.fetchval("SELECT id FROM organisation WHERE name = $1", DEMO_ORG)
    if org_id is None:
        box = SecretBox(settings.secret_key)
        org_id = await create_organisation(DEMO_ORG, SANDBOX_API_KEY, box)
        await create_user(org_id, DEMO_EMAIL, DEMO_PASSWORD, "admin", "Dana Demo")
    await seed_jobs(org_id)
    return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD)


DEMO_JOBS = [
    ("Customer Success Manager", "Customer Success", "Lisbon · hybrid"),
    ("Backend Engineer", "Engineering", "Remote (EU)"),
]
DEMO_PEOPLE = [
    ("Amara", "Okafor"), ("Liam", "Novak"), ("Sofia", "Marín"), ("Kenji", "Watanabe"),
    ("Priya", "Raman"), ("Jonas", "Berg"), ("Chloé", "Durand"), ("Mateo", "Rossi"),
    ("Hana", "Kim"), ("Oliver", "Smith"), ("Zainab", "Haddad"), ("Lucas", "Silva"),
]  # fmt: skip
DEMO_QUESTIONS = [
    "Tell us about a customer you turned from unhappy to loyal. What did you do?",
    "How do you decide what to work on first when everything feels urgent?",
    "Why does this role interest you, and what would you want to learn in your first months?",
]


async def seed_jobs(org_id: Any) -> None:
    """Two jobs with twelve candidates, once. The demo assessment needs the sandbox, which
    only answers once the server runs, so it is queued for the worker instead of made here."""
    if await db.fetchval("SELECT 1 FROM job WHERE organisation_id = $1 LIMIT 1", org_id):
        return
    async with db.transaction():
        job_ids = []
        for title, department, location in DEMO_JOBS:
            job = await create_job(org_id, JobInput(title, department, location))
            job_ids.append(job["id"])
        for index, job_id in enumerate(job_ids):
            people = DEMO_PEOPLE[:8] if index == 0 else DEMO_PEOPLE[6:]
            rows = "".join(
                f"{first.lower()}.{last.lower()}@example.com,{first},{last}\n"
                for first, last in people
            )
            await import_rows(org_id, job_id, parse_csv("email,first_name,last_name\n" + rows))
        await queue.enqueue(
            "demo_assessment",
            {"job_id": str(job_ids[0])},
            dedupe_key="demo_assessment",
            organisation_id=org_id,
            run_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3),
            max_attempts=20,
        )


@job_kind("demo_assessment")
async def demo_assessment(job: Job, ctx: Any) -> None:
    """Create the demo assessment through the sandbox and invite five candidates (once)."""
    job_id = uuid.UUID(job.payload["job_id"])
    org_id = job.organisation_id
    if org_id is None or await db.fetchval("SELECT 1 FROM assessment WHERE job_id = $1", job_id):
        return
    box = SecretBox(ctx.settings.secret_key)
    clients = provider_clients(ctx)
    try:
        provider = await clients.get(org_id, "ribbon", fresh=True)
        await provider.ping()  # the server may still be starting
    except ProviderError as exc:
        if exc.retryable:
            raise RetryLater(str(exc), delay=3) from None
        raise PermanentFailure(str(exc)) from None
    user_id = await db.fetchval(
        "SELECT id FROM app_user WHERE organisation_id = $1 ORDER BY created_at LIMIT 1", org_id
    )
    data = AssessmentInput("Customer conversation screen", DEMO_QUESTIONS, video_enabled=True)
    created = await create_assessment(org_id, user_id, job_id, data, ctx.settings, box, clients)
    if created["status"] != "active":
        await delete_unusable(org_id, created["id"])
        raise RetryLater(created["failure_reason"], delay=5)
    user = await user_by_id(user_id)
    candidates = await db.fetch(
        "SELECT candidate_id FROM application WHERE job_id = $1 ORDER BY created_at LIMIT 5",
        job_id,
    )
    if user is not None and candidates:
        await invite(user, created["id"], [r["candidate_id"] for r in candidates])
        await queue.enqueue(
            "demo_results",
            {"assessment_id": str(created["id"])},
            dedupe_key="demo_results",
            organisation_id=org_id,
            run_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2),
            max_attempts=30,
        )


# How the five invited candidates' interviews end, in invitation order: two finished in full,
# one without a summary (partial), one whose video never comes (partial, waiting), and one who
# has not taken it yet. The webhooks then take the real path: sandbox -> endpoint -> worker.
DEMO_OUTCOMES: list[CompletionOptions | None] = [
    CompletionOptions(),
    CompletionOptions(scores={"communication": 5, "motivation": 4.5, "skills": 4}),
    CompletionOptions(no_summary=True),
    CompletionOptions(video=False),
    None,
]


@job_kind("demo_results")
async def demo_results(job: Job, ctx: Any) -> None:
    """Finish the demo interviews at the sandbox once their invitations have interviews."""
    rows = await db.fetch(
        """SELECT provider_interview_id FROM invitation
           WHERE assessment_id = $1 ORDER BY created_at, id""",
        uuid.UUID(job.payload["assessment_id"]),
    )
    if len(rows) < len(DEMO_OUTCOMES) or any(r["provider_interview_id"] is None for r in rows):
        raise RetryLater("the demo invitations are still being sent", delay=2)
    for row, options in zip(rows, DEMO_OUTCOMES, strict=False):
        if options is not None:
            await finish_interview(
                row["provider_interview_id"], options, ctx.settings.public_base_url
            )

"""Rows for tests, written straight to the database: organisation, job, candidate, application,
assessment (with a webhook token and a sealed secret) and invitation. Every argument has a
default; pass what the test cares about."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.crypto import SecretBox
from tests.conftest import TEST_SECRET_KEY

BOX = SecretBox(TEST_SECRET_KEY)


async def make_org(name: str = "Org", ribbon_api_key: str | None = None) -> uuid.UUID:
    sealed = BOX.seal(ribbon_api_key) if ribbon_api_key else None
    return await db.fetchval(
        "INSERT INTO organisation (name, ribbon_api_key_enc) VALUES ($1, $2) RETURNING id",
        name,
        sealed,
    )


async def make_job(org_id: uuid.UUID, title: str = "Engineer") -> uuid.UUID:
    return await db.fetchval(
        "INSERT INTO job (organisation_id, title) VALUES ($1, $2) RETURNING id", org_id, title
    )


async def make_candidate(
    org_id: uuid.UUID,
    email: str | None = None,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
) -> uuid.UUID:
    return await db.fetchval(
        """INSERT INTO candidate (organisation_id, email, first_name, last_name)
           VALUES ($1, $2, $3, $4) RETURNING id""",
        org_id,
        email or f"{secrets.token_hex(5)}@example.com",
        first_name,
        last_name,
    )


async def make_application(
    org_id: uuid.UUID, job_id: uuid.UUID, candidate_id: uuid.UUID
) -> uuid.UUID:
    return await db.fetchval(
        """INSERT INTO application (organisation_id, job_id, candidate_id)
           VALUES ($1, $2, $3) RETURNING id""",
        org_id,
        job_id,
        candidate_id,
    )


@dataclass(frozen=True)
class AssessmentRow:
    id: uuid.UUID
    organisation_id: uuid.UUID
    job_id: uuid.UUID
    token: str
    secret: str
    flow_id: str


async def make_assessment(
    org_id: uuid.UUID,
    job_id: uuid.UUID | None = None,
    *,
    video_enabled: bool = True,
    flow_id: str | None = None,
    secret: str | None = None,
    token: str | None = None,
    **columns: Any,
) -> AssessmentRow:
    job_id = job_id or await make_job(org_id)
    secret = secret or secrets.token_hex(16)
    token = token or secrets.token_urlsafe(16)
    flow_id = flow_id or secrets.token_hex(4)
    names = ["organisation_id", "job_id", "title", "status", "video_enabled", "provider_flow_id"]
    values: list[Any] = [org_id, job_id, "Assessment", "active", video_enabled, flow_id]
    names += ["webhook_token", "webhook_secret_enc", *columns]
    values += [token, BOX.seal(secret), *columns.values()]
    placeholders = ", ".join(f"${i + 1}" for i in range(len(values)))
    assessment_id = await db.fetchval(
        f"INSERT INTO assessment ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
        *values,
    )
    return AssessmentRow(assessment_id, org_id, job_id, token, secret, flow_id)


@dataclass(frozen=True)
class InvitationRow:
    id: uuid.UUID
    organisation_id: uuid.UUID
    job_id: uuid.UUID
    candidate_id: uuid.UUID
    assessment_id: uuid.UUID
    interview_id: str
    email: str


async def make_invitation(
    assessment: AssessmentRow,
    *,
    interview_id: str | None = None,
    status: str = "invited",
    email: str | None = None,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
) -> InvitationRow:
    email = email or f"{secrets.token_hex(5)}@example.com"
    org_id = assessment.organisation_id
    candidate_id = await make_candidate(org_id, email, first_name, last_name)
    application_id = await make_application(org_id, assessment.job_id, candidate_id)
    interview_id = interview_id if interview_id is not None else str(uuid.uuid4())
    invitation_id = await db.fetchval(
        """INSERT INTO invitation (organisation_id, assessment_id, application_id, candidate_id,
                                   job_id, status, provider_interview_id, invited_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING id""",
        org_id,
        assessment.id,
        application_id,
        candidate_id,
        assessment.job_id,
        status,
        interview_id or None,
    )
    return InvitationRow(
        invitation_id, org_id, assessment.job_id, candidate_id, assessment.id, interview_id, email
    )

"""JSON API for jobs: list, create, read, update (including closing and reopening)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Struct

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.jobs import service
from app.jobs.service import JobInput, JobInputError
from app.jobs.statuses import JobStatus


class JobCreate(Struct):
    title: str
    department: str = ""
    location: str = ""
    description: str = ""


class JobUpdate(Struct):
    """Only the fields given change. `status` is "open" or "closed"."""

    title: str | None = None
    department: str | None = None
    location: str | None = None
    description: str | None = None
    status: str | None = None


class JobOut(Struct):
    id: uuid.UUID
    title: str
    department: str
    location: str
    description: str
    status: JobStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    candidates: int = 0
    invitations: dict[str, int] = {}


def job_out(row: dict[str, Any]) -> JobOut:
    return JobOut(
        id=row["id"],
        title=row["title"],
        department=row["department"],
        location=row["location"],
        description=row["description"],
        status=JobStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        candidates=int(row.get("candidates", 0)),
        invitations=dict(row.get("invitations", {})),
    )


async def _with_counts(organisation_id: uuid.UUID, job_id: uuid.UUID) -> JobOut:
    for row in await service.list_jobs(organisation_id):
        if row["id"] == job_id:
            return job_out(row)
    return job_out(await service.get_job(organisation_id, job_id))


@get("/jobs", name="api_jobs", summary="List jobs")
async def list_jobs(
    user: NamedDependency[CurrentUser], status: FromQuery[str | None] = None
) -> list[JobOut]:
    """Jobs with their candidate count and invitations by status; `status` filters."""
    if status is not None and status not in JobStatus.values():
        raise ClientException("status must be open or closed.")
    return [job_out(r) for r in await service.list_jobs(user.organisation_id, status)]


@post("/jobs", name="api_job_create", summary="Create a job")
async def create_job(user: NamedDependency[CurrentUser], data: JSONBody[JobCreate]) -> JobOut:
    try:
        row = await service.create_job(
            user.organisation_id,
            JobInput(data.title, data.department, data.location, data.description),
        )
    except JobInputError as exc:
        raise ClientException(str(exc)) from None
    await record_audit(
        user, "job_created", "job", str(row["id"]), {"title": row["title"], "via": "api"}
    )
    return job_out(row)


@get("/jobs/{job_id:uuid}", name="api_job", summary="Get a job")
async def get_job(user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]) -> JobOut:
    return await _with_counts(user.organisation_id, job_id)


@patch("/jobs/{job_id:uuid}", name="api_job_update", summary="Update, close or reopen a job")
async def update_job(
    user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID], data: JSONBody[JobUpdate]
) -> JobOut:
    org = user.organisation_id
    current = await service.get_job(org, job_id)
    merged = JobInput(
        title=data.title if data.title is not None else current["title"],
        department=data.department if data.department is not None else current["department"],
        location=data.location if data.location is not None else current["location"],
        description=data.description if data.description is not None else current["description"],
    )
    try:
        merged.cleaned()
        if data.status is not None and data.status not in JobStatus.values():
            raise JobInputError("status must be open or closed.")
        await service.update_job(org, job_id, merged)
        if data.status is not None and data.status != current["status"]:
            await service.set_status(org, job_id, data.status)
    except JobInputError as exc:
        raise ClientException(str(exc)) from None
    await record_audit(user, "job_updated", "job", str(job_id), {"via": "api"})
    return await _with_counts(org, job_id)


ROUTES = [list_jobs, create_job, get_job, update_job]

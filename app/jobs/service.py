"""Jobs: create, edit, close and reopen, and the counts the job list shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.audit.subjects import Subject, names_subjects
from app.errors import Conflict, NotFound
from app.jobs.statuses import JobStatus
from app.text import lines, one_line


class JobInputError(ValueError):
    """Input a person can fix; the message says how."""


class JobClosed(Conflict):
    """Something that would grow a closed job (invite, add candidates, a new assessment)."""


@dataclass(frozen=True)
class JobInput:
    title: str
    department: str = ""
    location: str = ""
    description: str = ""

    def cleaned(self) -> JobInput:
        title = one_line(self.title)
        if not title:
            raise JobInputError("Give the job a title.")
        if len(title) > 200:
            raise JobInputError("The title can be at most 200 characters.")
        department = one_line(self.department)
        location = one_line(self.location)
        if len(department) > 200 or len(location) > 200:
            raise JobInputError("Department and location can be at most 200 characters.")
        description = lines(self.description)
        if len(description) > 10_000:
            raise JobInputError("The description can be at most 10,000 characters.")
        return JobInput(title, department, location, description)


_JOB_COLUMNS = "id, title, department, location, description, status, created_at, updated_at"


async def list_jobs(organisation_id: uuid.UUID, status: str | None = None) -> list[dict[str, Any]]:
    """Every job of the organisation with its candidate count and invitations by status."""
    rows = await db.fetch(
        f"""
        SELECT {_JOB_COLUMNS},
          (SELECT count(*) FROM application a WHERE a.job_id = j.id) AS candidates,
          (SELECT coalesce(jsonb_object_agg(s.status, s.n), '{{}}'::jsonb) FROM
             (SELECT i.status, count(*) AS n FROM invitation i WHERE i.job_id = j.id
              GROUP BY i.status) s) AS invitations
        FROM job j
        WHERE j.organisation_id = $1 AND ($2::text IS NULL OR j.status = $2)
        ORDER BY j.status = 'closed', j.created_at DESC
        """,
        organisation_id,
        status,
    )
    return [_with_counts(dict(r)) for r in rows]


def _with_counts(row: dict[str, Any]) -> dict[str, Any]:
    row["invitations"] = {k: int(v) for k, v in (row.get("invitations") or {}).items()}
    return row


async def get_job(organisation_id: uuid.UUID, job_id: uuid.UUID) -> dict[str, Any]:
    """The job, or NotFound when it does not exist in this organisation."""
    row = await db.fetchrow(
        f"SELECT {_JOB_COLUMNS} FROM job WHERE id = $1 AND organisation_id = $2",
        job_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such job.")
    return dict(row)


async def create_job(organisation_id: uuid.UUID, data: JobInput) -> dict[str, Any]:
    data = data.cleaned()
    row = await db.fetchrow(
        f"""INSERT INTO job (organisation_id, title, department, location, description)
            VALUES ($1, $2, $3, $4, $5) RETURNING {_JOB_COLUMNS}""",
        organisation_id,
        data.title,
        data.department,
        data.location,
        data.description,
    )
    assert row is not None
    return dict(row)


async def update_job(
    organisation_id: uuid.UUID, job_id: uuid.UUID, data: JobInput
) -> dict[str, Any]:
    data = data.cleaned()
    row = await db.fetchrow(
        f"""UPDATE job SET title = $3, department = $4, location = $5, description = $6,
                updated_at = now()
            WHERE id = $1 AND organisation_id = $2 RETURNING {_JOB_COLUMNS}""",
        job_id,
        organisation_id,
        data.title,
        data.department,
        data.location,
        data.description,
    )
    if row is None:
        raise NotFound("No such job.")
    return dict(row)


async def set_status(organisation_id: uuid.UUID, job_id: uuid.UUID, status: str) -> dict[str, Any]:
    if status not in JobStatus.values():
        raise JobInputError(f"A job's status is one of: {', '.join(JobStatus.values())}.")
    row = await db.fetchrow(
        f"""UPDATE job SET status = $3, updated_at = now()
            WHERE id = $1 AND organisation_id = $2 RETURNING {_JOB_COLUMNS}""",
        job_id,
        organisation_id,
        status,
    )
    if row is None:
        raise NotFound("No such job.")
    return dict(row)


async def open_job(organisation_id: uuid.UUID, job_id: uuid.UUID, to: str) -> dict[str, Any]:
    """The job, if it is open; JobClosed otherwise, whose message says what to do to be able
    `to` (e.g. "invite candidates"). In a transaction, the job stays open until it ends."""
    row = await db.fetchrow(
        f"SELECT {_JOB_COLUMNS} FROM job WHERE id = $1 AND organisation_id = $2 FOR SHARE",
        job_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such job.")
    if row["status"] != JobStatus.OPEN:
        raise JobClosed(f"This job is closed: reopen it to {to}.")
    return dict(row)


@names_subjects("job")
async def _name_jobs(organisation_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[str, Subject]:
    """The audit log's names for jobs: their title, linked."""
    rows = await db.fetch(
        "SELECT id, title FROM job WHERE organisation_id = $1 AND id = ANY($2::uuid[])",
        organisation_id,
        ids,
    )
    return {str(r["id"]): Subject(r["title"], "job_detail", {"job_id": str(r["id"])}) for r in rows}

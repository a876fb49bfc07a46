"""Candidates of an organisation and their applications to jobs: add one, import a CSV,
move pipeline stages, and everything the candidate page shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.audit.subjects import Subject, names_subjects
from app.candidates.csv_import import CsvRow, clean_email, name_problems
from app.candidates.stages import Stage
from app.errors import NotFound
from app.jobs.service import open_job
from app.text import one_line


class CandidateInputError(ValueError):
    """Input a person can fix; the message says how."""


class AlreadyInJob(CandidateInputError):
    """The candidate already applied to this job."""


@dataclass(frozen=True)
class NewCandidate:
    email: str
    first_name: str
    last_name: str = ""
    phone: str = ""

    def cleaned(self) -> NewCandidate:
        try:
            email = clean_email(self.email)
        except ValueError as exc:
            raise CandidateInputError(str(exc).capitalize() + ".") from None
        first, last = one_line(self.first_name), one_line(self.last_name)
        problems = name_problems(first, last)
        if problems:
            raise CandidateInputError(problems[0].capitalize() + ".")
        return NewCandidate(email, first, last, one_line(self.phone)[:50])


_UPSERT_CANDIDATES = """
    WITH input AS (
        SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
            AS t(email, first_name, last_name, phone)
    )
    INSERT INTO candidate (organisation_id, email, first_name, last_name, phone)
    SELECT $1, email, first_name, last_name, phone FROM input
    ON CONFLICT (organisation_id, lower(email)) DO NOTHING
"""


async def _attach(
    organisation_id: uuid.UUID, job_id: uuid.UUID, people: list[NewCandidate]
) -> list[uuid.UUID]:
    """Create missing candidates (an existing one of the org is reused, never duplicated),
    then apply each to the job. Returns the candidate ids that were newly added to the job."""
    await db.fetch(
        _UPSERT_CANDIDATES,
        organisation_id,
        [p.email for p in people],
        [p.first_name for p in people],
        [p.last_name for p in people],
        [p.phone for p in people],
    )
    rows = await db.fetch(
        """INSERT INTO application (organisation_id, job_id, candidate_id)
           SELECT $1, $2, c.id FROM candidate c
           WHERE c.organisation_id = $1 AND lower(c.email) = ANY($3::text[])
           ON CONFLICT (job_id, candidate_id) DO NOTHING
           RETURNING candidate_id""",
        organisation_id,
        job_id,
        [p.email for p in people],
    )
    return [r["candidate_id"] for r in rows]


async def add_candidate(
    organisation_id: uuid.UUID, job_id: uuid.UUID, person: NewCandidate
) -> uuid.UUID:
    """Add one person to a job; AlreadyInJob when they applied already."""
    person = person.cleaned()
    async with db.transaction():
        await open_job(organisation_id, job_id, "add candidates")
        added = await _attach(organisation_id, job_id, [person])
        if not added:
            raise AlreadyInJob(f"{person.email} is already a candidate for this job.")
    return added[0]


async def emails_in_job(organisation_id: uuid.UUID, job_id: uuid.UUID) -> set[str]:
    rows = await db.fetch(
        """SELECT lower(c.email) AS email FROM application a JOIN candidate c ON c.id = a.candidate_id
           WHERE a.job_id = $1 AND a.organisation_id = $2""",
        job_id,
        organisation_id,
    )
    return {r["email"] for r in rows}


async def check_rows(organisation_id: uuid.UUID, job_id: uuid.UUID, rows: list[CsvRow]) -> None:
    """Add the problems only the database knows: people already in this job."""
    existing = await emails_in_job(organisation_id, job_id)
    for row in rows:
        if row.ok and row.email in existing:
            row.errors.append("already a candidate for this job")


async def import_rows(organisation_id: uuid.UUID, job_id: uuid.UUID, rows: list[CsvRow]) -> int:
    """Import the rows without problems in one transaction; returns how many were added."""
    async with db.transaction():
        await open_job(organisation_id, job_id, "import candidates")
        await check_rows(organisation_id, job_id, rows)
        good = [NewCandidate(r.email, r.first_name, r.last_name, r.phone) for r in rows if r.ok]
        if not good:
            return 0
        return len(await _attach(organisation_id, job_id, good))


async def job_candidates(organisation_id: uuid.UUID, job_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT c.id, c.email, c.first_name, c.last_name, c.erased_at, a.id AS application_id,
                  a.stage, a.created_at AS applied_at
           FROM application a JOIN candidate c ON c.id = a.candidate_id
           WHERE a.job_id = $1 AND a.organisation_id = $2
           ORDER BY a.created_at, c.last_name, c.first_name""",
        job_id,
        organisation_id,
    )
    return [dict(r) for r in rows]


async def move_stage(
    organisation_id: uuid.UUID, job_id: uuid.UUID, candidate_id: uuid.UUID, stage: str
) -> dict[str, Any]:
    """Move an application to `stage`; returns the previous and the new stage."""
    if stage not in Stage.values():
        raise CandidateInputError(f"Stage must be one of: {', '.join(Stage.values())}.")
    row = await db.fetchrow(
        """UPDATE application a SET stage = $4, updated_at = now()
           FROM application old
           WHERE a.id = old.id AND a.job_id = $1 AND a.candidate_id = $2 AND a.organisation_id = $3
           RETURNING a.id, old.stage AS previous, a.stage""",
        job_id,
        candidate_id,
        organisation_id,
        stage,
    )
    if row is None:
        raise NotFound("No such candidate in this job.")
    return dict(row)


async def get_candidate(organisation_id: uuid.UUID, candidate_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        """SELECT id, email, first_name, last_name, phone, erased_at, created_at
           FROM candidate WHERE id = $1 AND organisation_id = $2""",
        candidate_id,
        organisation_id,
    )
    if row is None:
        raise NotFound("No such candidate.")
    return dict(row)


async def candidate_applications(
    organisation_id: uuid.UUID, candidate_id: uuid.UUID
) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT a.id, a.job_id, a.stage, a.created_at, j.title AS job_title, j.status AS job_status
           FROM application a JOIN job j ON j.id = a.job_id
           WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY a.created_at DESC""",
        candidate_id,
        organisation_id,
    )
    return [dict(r) for r in rows]


@names_subjects("candidate")
async def _name_candidates(organisation_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[str, Subject]:
    """The audit log's names for candidates: their name (or email), or "Erased candidate"."""
    rows = await db.fetch(
        """SELECT id, first_name, last_name, email, erased_at FROM candidate
           WHERE organisation_id = $1 AND id = ANY($2::uuid[])""",
        organisation_id,
        ids,
    )
    out = {}
    for r in rows:
        if r["erased_at"] is not None:
            out[str(r["id"])] = Subject("Erased candidate")
            continue
        name = f"{r['first_name'] or ''} {r['last_name'] or ''}".strip() or r["email"]
        out[str(r["id"])] = Subject(name, "candidate_detail", {"candidate_id": str(r["id"])})
    return out

"""JSON API for a job's candidates: list, add one, and import a CSV with per-row results."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Struct

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.candidates import service
from app.candidates.csv_import import CsvError, decode, parse_csv
from app.candidates.stages import Stage
from app.errors import Conflict, Invalid
from app.jobs.service import get_job

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class CandidateCreate(Struct):
    email: str
    first_name: str
    last_name: str = ""
    phone: str = ""


class CandidateOut(Struct):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    stage: Stage
    application_id: uuid.UUID
    applied_at: dt.datetime


class ImportRow(Struct):
    line: int
    email: str
    first_name: str
    last_name: str
    ok: bool
    errors: list[str]


class ImportResult(Struct):
    dry_run: bool
    total: int
    valid: int
    invalid: int
    added: int
    rows: list[ImportRow]


def candidate_out(row: dict[str, Any]) -> CandidateOut:
    return CandidateOut(
        id=row["id"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        stage=Stage(row["stage"]),
        application_id=row["application_id"],
        applied_at=row["applied_at"],
    )


@get("/jobs/{job_id:uuid}/candidates", name="api_candidates", summary="List a job's candidates")
async def list_candidates(
    user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> list[CandidateOut]:
    await get_job(user.organisation_id, job_id)
    return [candidate_out(r) for r in await service.job_candidates(user.organisation_id, job_id)]


@post(
    "/jobs/{job_id:uuid}/candidates",
    name="api_candidate_create",
    summary="Add a candidate to a job",
)
async def add_candidate(
    user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID], data: JSONBody[CandidateCreate]
) -> CandidateOut:
    """An email already known in the organisation reuses that candidate; 409 if already in the job."""
    person = service.NewCandidate(data.email, data.first_name, data.last_name, data.phone)
    try:
        candidate_id = await service.add_candidate(user.organisation_id, job_id, person)
    except service.AlreadyInJob as exc:
        raise Conflict(str(exc)) from None
    except service.CandidateInputError as exc:
        raise Invalid(str(exc)) from None
    await record_audit(
        user,
        "candidate_added",
        "candidate",
        str(candidate_id),
        {"job_id": str(job_id), "via": "api"},
    )
    rows = await service.job_candidates(user.organisation_id, job_id)
    return next(candidate_out(r) for r in rows if r["id"] == candidate_id)


async def _csv_text(request: Request[Any, Any, Any]) -> str:
    content_type, _ = request.content_type
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ClientException("Send the CSV as the multipart field 'file'.")
        return decode(await upload.read())
    return decode(await request.body())


@post(
    "/jobs/{job_id:uuid}/candidates/import",
    name="api_candidates_import",
    summary="Import candidates from a CSV",
    request_max_body_size=MAX_UPLOAD_BYTES,
    status_code=200,
)
async def import_candidates(
    request: Request[Any, Any, Any],
    user: NamedDependency[CurrentUser],
    job_id: FromPath[uuid.UUID],
    dry_run: FromQuery[bool] = False,
) -> ImportResult:
    """Body: the CSV itself (`Content-Type: text/csv`) or multipart with a `file` field. A header
    row with `email` and `first_name` (or `name`) is required; up to 5,000 rows, 20 MB. Rows with
    problems are reported and skipped; the valid ones are imported in one transaction.
    `?dry_run=true` checks without saving."""
    await get_job(user.organisation_id, job_id)
    try:
        rows = parse_csv(await _csv_text(request))
    except CsvError as exc:
        raise ClientException(str(exc)) from None
    if dry_run:
        await service.check_rows(user.organisation_id, job_id, rows)
        added = 0
    else:
        added = await service.import_rows(user.organisation_id, job_id, rows)
        await record_audit(
            user,
            "candidates_imported",
            "job",
            str(job_id),
            {"added": added, "rows": len(rows), "via": "api"},
        )
    valid = sum(1 for r in rows if r.ok)
    return ImportResult(
        dry_run=dry_run,
        total=len(rows),
        valid=valid,
        invalid=len(rows) - valid,
        added=added,
        rows=[ImportRow(r.line, r.email, r.first_name, r.last_name, r.ok, r.errors) for r in rows],
    )


ROUTES = [list_candidates, add_candidate, import_candidates]

"""Candidate forms: import a CSV (preview, column mapping, confirm) and move pipeline stages.
Adding one candidate (a form on the job page) and the candidate page read across features and
live in app/dashboard/."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.candidates import service
from app.candidates.csv_import import (
    ENCODINGS,
    FIELDS,
    HEADER_ALIASES,
    CsvError,
    NeedsMapping,
    decode_as,
    header_of,
    parse_csv,
)
from app.candidates.stages import Stage
from app.jobs.service import open_job
from app.web.client_address import client_ip

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@get("/jobs/{job_id:uuid}/candidates/import", name="candidate_import")
async def import_form(user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]) -> Template:
    job = await open_job(user.organisation_id, job_id, "import candidates")
    return Template("candidates/import.html", context={"job": job, "encodings": ENCODINGS})


def _summary(rows: list[Any]) -> dict[str, int]:
    good = sum(1 for r in rows if r.ok)
    return {"total": len(rows), "good": good, "bad": len(rows) - good}


@post(
    "/jobs/{job_id:uuid}/candidates/import",
    name="candidate_import_preview",
    request_max_body_size=MAX_UPLOAD_BYTES,
)
async def import_preview(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template:
    """Check the file and show every row with its problems; nothing is saved yet."""
    job = await open_job(user.organisation_id, job_id, "import candidates")
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return _import_error(job, "Choose a CSV file to upload.")
    try:
        text, encoding = decode_as(await upload.read(), str(form.get("encoding", "auto")))
        rows = parse_csv(text)
    except NeedsMapping as exc:
        return _mapping_page(job, text, encoding, exc.header, str(exc))
    except CsvError as exc:
        return _import_error(job, str(exc))
    return await _preview(user, job, rows, text, encoding, {})


def _mapping(form: Any) -> dict[str, str]:
    return {key: str(form.get(f"map_{key}", "")) for key in FIELDS}


def _mapping_page(
    job: dict[str, Any], text: str, encoding: str, header: list[str], message: str
) -> Template:
    """The file's columns, with their first values, for the person to say which is which."""
    samples = [row for _, row in zip(range(3), csv.reader(io.StringIO(text)), strict=False)][1:]
    columns = [
        {
            "index": i,
            "name": name or f"Column {i + 1}",
            "samples": [r[i] for r in samples if i < len(r) and r[i].strip()],
        }
        for i, name in enumerate(header[:50])
    ]
    guess: dict[str, int] = {}
    for i, name in enumerate(header[:50]):  # what the header names plainly, chosen already
        key = HEADER_ALIASES.get(name.strip().lower())
        if key and key not in guess:
            guess[key] = i
    return Template(
        "candidates/import_map.html",
        context={
            "job": job,
            "csv_text": text,
            "encoding": encoding,
            "columns": columns,
            "fields": FIELDS,
            "guess": guess,
            "message": message,
        },
    )


async def _preview(
    user: CurrentUser,
    job: dict[str, Any],
    rows: list[Any],
    text: str,
    encoding: str,
    mapping: dict[str, str],
) -> Template:
    await service.check_rows(user.organisation_id, job["id"], rows)
    return Template(
        "candidates/import_preview.html",
        context={
            "job": job,
            "rows": rows,
            "csv_text": text,
            "encoding": encoding,
            "mapping": mapping,
            "summary": _summary(rows),
            "problem_lines": [r.line for r in rows if not r.ok],
        },
    )


@post(
    "/jobs/{job_id:uuid}/candidates/import/map",
    name="candidate_import_map",
    request_max_body_size=MAX_UPLOAD_BYTES,
)
async def import_map(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template:
    """The mapping step's answer: the same file, read with the columns the person chose."""
    job = await open_job(user.organisation_id, job_id, "import candidates")
    form = await request.form()
    text, encoding, mapping = (
        str(form.get("csv_text", "")),
        str(form.get("encoding", "")),
        _mapping(form),
    )
    try:
        rows = parse_csv(text, mapping)
    except CsvError as exc:
        page = _mapping_page(job, text, encoding[:40], header_of(text), str(exc))
        page.status_code = 400
        return page
    return await _preview(user, job, rows, text, encoding[:40], mapping)


def _import_error(job: dict[str, Any], message: str) -> Template:
    return Template(
        "candidates/import.html",
        context={"job": job, "error": message, "encodings": ENCODINGS},
        status_code=400,
    )


@post(
    "/jobs/{job_id:uuid}/candidates/import/confirm",
    name="candidate_import_confirm",
    request_max_body_size=MAX_UPLOAD_BYTES,
)
async def import_confirm(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    """Import the rows without problems (checked again: the data may have changed)."""
    job = await open_job(user.organisation_id, job_id, "import candidates")
    form = await request.form()
    mapping = _mapping(form)
    try:
        rows = parse_csv(str(form.get("csv_text", "")), mapping if any(mapping.values()) else None)
    except CsvError as exc:
        return _import_error(job, str(exc))
    added = await service.import_rows(user.organisation_id, job_id, rows)
    await record_audit(
        user,
        "candidates_imported",
        "job",
        str(job_id),
        {"added": added, "rows": len(rows)},
        ip=client_ip(request),
    )
    return Template(
        "candidates/import_done.html",
        context={"job": job, "added": added, "rows": rows, "summary": _summary(rows)},
    )


@post(
    "/jobs/{job_id:uuid}/candidates/{candidate_id:uuid}/stage",
    name="candidate_stage",
)
async def move_stage(
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    job_id: FromPath[uuid.UUID],
    candidate_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    form = await request.form()
    try:
        moved = await service.move_stage(
            user.organisation_id, job_id, candidate_id, str(form.get("stage", ""))
        )
    except service.CandidateInputError as exc:
        raise ClientException(str(exc)) from None
    if moved["previous"] != moved["stage"]:
        await record_audit(
            user,
            "stage_changed",
            "candidate",
            str(candidate_id),
            {"job_id": str(job_id), "from": moved["previous"], "to": moved["stage"]},
            ip=client_ip(request),
        )
    if not request.htmx:
        return Redirect(request.app.route_reverse("candidate_detail", candidate_id=candidate_id))
    return Template(
        "candidates/_stage.html",
        context={
            "job_id": job_id,
            "candidate_id": candidate_id,
            "stage": moved["stage"],
            "stages": Stage,
            "focus": True,  # the Move button just pressed, redrawn
        },
        # json.dumps escapes to ASCII: header values must be latin-1.
        headers={
            "Vary": "HX-Request",
            "HX-Trigger": json.dumps({"hw:toast": f"Moved to {moved['stage'].capitalize()}."}),
        },
    )


ROUTES = [import_form, import_preview, import_confirm, import_map, move_stage]

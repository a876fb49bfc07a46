"""Candidate pages: add one to a job, import a CSV (preview first), move pipeline stages, and
the candidate page with applications, invitations, emails and timelines."""

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

from app import db
from app.accounts.service import CurrentUser
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
from app.crypto import SecretBox
from app.emails.service import emails_of_candidate
from app.invitations.cards import Card, cards_for_candidate
from app.invitations.result_view import results_for_candidate
from app.jobs.page import job_page_context
from app.jobs.service import open_job
from app.web.cursors import live_cursor
from app.webhooks.service import unapplied_moves

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@post("/jobs/{job_id:uuid}/candidates", name="candidate_add")
async def candidate_add(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    form = await request.form()
    person = service.NewCandidate(
        email=str(form.get("email", "")),
        first_name=str(form.get("first_name", "")),
        last_name=str(form.get("last_name", "")),
    )
    try:
        await service.add_candidate(user.organisation_id, job_id, person)
    except service.CandidateInputError as exc:
        context = await job_page_context(user, job_id)
        context.update(error=str(exc), values=dict(form))
        return Template("jobs/detail.html", context=context, status_code=400)
    return Redirect(request.app.route_reverse("job_detail", job_id=job_id) + "?notice=added")


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


@get("/candidates/{candidate_id:uuid}", name="candidate_detail")
async def candidate_detail(
    user: NamedDependency[CurrentUser],
    box: NamedDependency[SecretBox],
    candidate_id: FromPath[uuid.UUID],
) -> Template:
    org = user.organisation_id
    # One connection for the page's reads instead of a pool checkout (and reset) for each.
    async with db.transaction():
        candidate = await service.get_candidate(org, candidate_id)
        # Taken before the cards are read: each job's live stream replays anything newer.
        cursor = await live_cursor()
        invitations = await cards_for_candidate(org, candidate_id)
        # Scores chart, summary, transcript, media and timeline of every invitation (2 queries).
        results = await results_for_candidate(org, candidate_id)
        applications = await service.candidate_applications(org, candidate_id)
        emails = await emails_of_candidate(org, candidate_id)
        # Moves Ribbon reported that could not be applied: the stage shown may be stale.
        moves = await unapplied_moves(
            org,
            box.candidate_key(org, candidate["email"]),
            list({inv.assessment_id for inv in invitations}),
        )
    return Template(
        "candidates/detail.html",
        context={
            "candidate": candidate,
            "applications": applications,
            "invitation_groups": _by_job(applications, invitations),
            "results": results,
            "emails": emails,
            "unapplied_moves": {inv.id: moves.get(inv.assessment_id, []) for inv in invitations},
            "can_replay": user.is_admin,
            "stages": Stage,
            "live_cursor": cursor,
            "live_jobs": MAX_LIVE_JOBS,
        },
    )


# Each job shown live holds one stream (an HTTP connection) open; browsers allow about six per
# host, so a candidate in many jobs gets live updates for the newest few, the rest poll.
MAX_LIVE_JOBS = 3


def _by_job(applications: list[dict[str, Any]], invitations: list[Card]) -> list[Any]:
    """The candidate's invitations grouped by job (one live stream per job), newest job first."""
    groups = [
        {"job_id": a["job_id"], "job_title": a["job_title"], "invitations": []}
        for a in applications
    ]
    by_id = {g["job_id"]: g for g in groups}
    for inv in invitations:
        if inv.job_id in by_id:
            by_id[inv.job_id]["invitations"].append(inv)
    return [g for g in groups if g["invitations"]]


ROUTES = [
    candidate_add,
    import_form,
    import_preview,
    import_confirm,
    import_map,
    move_stage,
    candidate_detail,
]

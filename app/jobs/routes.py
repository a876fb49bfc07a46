"""Job forms: create and edit, close and reopen. The jobs list and the job page read across
features and live in app/dashboard/job_routes.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.jobs import service
from app.jobs.service import JobInput, JobInputError
from app.web.client_address import client_ip


@get("/jobs/new", name="job_new")
async def job_new() -> Template:
    return Template("jobs/form.html", context={"job": None, "values": {}})


def _input(form: Any) -> JobInput:
    return JobInput(
        title=str(form.get("title", "")),
        department=str(form.get("department", "")),
        location=str(form.get("location", "")),
        description=str(form.get("description", "")),
    )


@post("/jobs", name="job_create")
async def job_create(
    request: HTMXRequest, user: NamedDependency[CurrentUser]
) -> Template | Redirect:
    form = await request.form()
    try:
        job = await service.create_job(user.organisation_id, _input(form))
    except JobInputError as exc:
        return Template(
            "jobs/form.html",
            context={"job": None, "values": dict(form), "error": str(exc)},
            status_code=400,
        )
    await record_audit(
        user, "job_created", "job", str(job["id"]), {"title": job["title"]}, ip=client_ip(request)
    )
    return Redirect(request.app.route_reverse("job_detail", job_id=job["id"]) + "?notice=created")


@get("/jobs/{job_id:uuid}/edit", name="job_edit")
async def job_edit(user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]) -> Template:
    job = await service.get_job(user.organisation_id, job_id)
    return Template("jobs/form.html", context={"job": job, "values": job})


@post("/jobs/{job_id:uuid}/edit", name="job_update")
async def job_update(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    job = await service.get_job(user.organisation_id, job_id)
    form = await request.form()
    try:
        await service.update_job(user.organisation_id, job_id, _input(form))
    except JobInputError as exc:
        return Template(
            "jobs/form.html",
            context={"job": job, "values": dict(form), "error": str(exc)},
            status_code=400,
        )
    await record_audit(user, "job_updated", "job", str(job_id), ip=client_ip(request))
    return Redirect(request.app.route_reverse("job_detail", job_id=job_id) + "?notice=saved")


@post("/jobs/{job_id:uuid}/status", name="job_status")
async def job_status(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Redirect:
    form = await request.form()
    status = str(form.get("status", ""))
    try:
        await service.set_status(user.organisation_id, job_id, status)
    except JobInputError as exc:
        from litestar.exceptions import ClientException

        raise ClientException(str(exc)) from None
    await record_audit(
        user,
        f"job_{'closed' if status == 'closed' else 'reopened'}",
        "job",
        str(job_id),
        ip=client_ip(request),
    )
    return Redirect(f"{request.app.route_reverse('job_detail', job_id=job_id)}?notice={status}")


ROUTES = [job_new, job_create, job_edit, job_update, job_status]

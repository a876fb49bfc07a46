"""Job pages: the list with counts, create and edit, close and reopen, and the job page with
its assessments, candidates, invitation cards and running bulk invites."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.invitations.statuses import InvitationStatus
from app.jobs import service
from app.jobs.page import job_page_context
from app.jobs.service import JobInput, JobInputError
from app.jobs.statuses import JobStatus
from app.jobs.window import clean_window
from app.web.client_address import client_ip
from app.web.numbers import whole_number

NOTICES = {
    "created": "The job was created. Add candidates, then an assessment.",
    "saved": "The job was saved.",
    # "closed" has none: the closed job's page says so and how to carry on
    "open": "The job is open again.",
    "added": "The candidate was added.",
    "invited": "Invitations are on their way: follow the progress below.",
    "reinvited": "Invitations are on their way; cancelled ones are invited again with a new "
    "interview link: follow the progress below.",
    "nothing": "Nobody new to invite: everyone selected is invited already.",
}


@get("/jobs", name="jobs")
async def jobs_list(
    user: NamedDependency[CurrentUser], status: FromQuery[str] = "", having: FromQuery[str] = ""
) -> Template:
    """Jobs, optionally open or closed only; `having` (an invitation status, from the home
    page's tiles) keeps the open jobs with invitations in that status."""
    having = having if having in InvitationStatus.values() else ""
    if having:
        status = "open"  # the home page counts open jobs
    jobs = await service.list_jobs(
        user.organisation_id, status if status in JobStatus.values() else None
    )
    if having:
        jobs = [j for j in jobs if j["invitations"].get(having)]
    context = {"jobs": jobs, "status": status, "having": having}
    return Template("jobs/list.html", context=context)


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


@get("/jobs/{job_id:uuid}", name="job_detail")
async def job_detail(
    user: NamedDependency[CurrentUser],
    job_id: FromPath[uuid.UUID],
    notice: FromQuery[str] = "",
    q: FromQuery[str] = "",
    stage: FromQuery[str] = "",
    status: FromQuery[str] = "",
    page: FromQuery[str] = "1",
) -> Template:
    """The job page with one page of candidates (?q=, ?stage=, ?status=, ?page=)."""
    number = whole_number(page, maximum=1_000_000, minimum=1) or 1
    context = await job_page_context(user, job_id, clean_window(q, stage, status, number))
    context["notice"] = NOTICES.get(notice)
    return Template("jobs/detail.html", context=context)


ROUTES = [jobs_list, job_new, job_create, job_edit, job_update, job_status, job_detail]

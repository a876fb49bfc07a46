"""The job pages, which read across features: the jobs list with its invitation counts, the
job page (its assessments and one window of candidates with their cards), and the two forms on
it that answer with the job page again when they fail: add a candidate, invite."""

from __future__ import annotations

import uuid

from litestar import get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.candidates import service as candidates
from app.dashboard.job_page import job_page_context
from app.dashboard.job_window import clean_window
from app.invitations import service as invitations
from app.invitations.service import InvitationError
from app.invitations.statuses import InvitationStatus
from app.jobs import service
from app.jobs.service import get_job
from app.jobs.statuses import JobStatus
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


@post("/jobs/{job_id:uuid}/candidates", name="candidate_add")
async def candidate_add(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    form = await request.form()
    person = candidates.NewCandidate(
        email=str(form.get("email", "")),
        first_name=str(form.get("first_name", "")),
        last_name=str(form.get("last_name", "")),
    )
    try:
        added = await candidates.add_candidate(user.organisation_id, job_id, person)
    except candidates.CandidateInputError as exc:
        context = await job_page_context(user, job_id)
        context.update(error=str(exc), values=dict(form))
        return Template("jobs/detail.html", context=context, status_code=400)
    await record_audit(
        user,
        "candidate_added",
        "candidate",
        str(added),
        {"job_id": str(job_id)},
        ip=client_ip(request),
    )
    return Redirect(request.app.route_reverse("job_detail", job_id=job_id) + "?notice=added")


def _uuid(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFoundException("No such candidate or assessment.") from None


@post("/jobs/{job_id:uuid}/invitations", name="invite")
async def invite(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    await get_job(user.organisation_id, job_id)
    form = await request.form()
    mode = str(form.get("mode", "selected"))
    ids = None if mode == "all" else [_uuid(v) for v in form.getall("candidate_ids", [])]
    assessment_id = _uuid(form.get("assessment_id", ""))
    try:
        outcome = await invitations.invite(user, assessment_id, ids)
    except InvitationError as exc:
        context = await job_page_context(user, job_id)
        context["error"] = str(exc)
        return Template("jobs/detail.html", context=context, status_code=400)
    notice = "reinvited" if outcome.reinvited else ("invited" if outcome.created else "nothing")
    return Redirect(
        f"{request.app.route_reverse('job_detail', job_id=job_id)}?notice={notice}#bulk-invites"
    )


ROUTES = [jobs_list, job_detail, candidate_add, invite]

"""Dashboard pages and fragments: the home page, an invitation's card (what the live stream makes browsers
fetch) and the job's compare view with its CSV export."""

from __future__ import annotations

import re
import urllib.parse
import uuid

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Stream, Template

from app import db
from app.accounts.service import CurrentUser
from app.candidates.stages import Stage
from app.dashboard import compare
from app.dashboard.home import home as home_page
from app.invitations import cards, result_view
from app.invitations.blind import ai_withheld, blind_card, blind_result
from app.invitations.statuses import InvitationStatus
from app.settings import Settings
from app.web.cursors import live_cursor

VARY = {"Vary": "HX-Request", "Cache-Control": "no-store"}


@get("/", name="home")
async def home(user: NamedDependency[CurrentUser]) -> Template:
    page = await home_page(user.organisation_id, user.is_admin)
    return Template("web/home.html", context={"home": page, "counts": page.counts})


@get("/invitations/{invitation_id:uuid}/card", name="invitation_card")
async def invitation_card(
    invitation_id: FromPath[uuid.UUID],
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    heading: FromQuery[str] = "assessment",
) -> Template:
    """The card alone for HTMX (a live swap or the 30 s poll), a small page otherwise.
    `heading`: what the card is titled with where it is shown (cards.HEADINGS)."""
    card = await cards.card_for(user.organisation_id, invitation_id)
    if card is None:
        raise NotFoundException("No such invitation.")
    if await ai_withheld(user.organisation_id, user.id, [invitation_id]):
        card = blind_card(card)
    if request.htmx:
        context = {"card": card, "heading": cards.heading(heading)}
        return Template("invitations/_card.html", context=context, headers=VARY)
    return Template(
        "invitations/card.html",
        context={"card": card, "live_cursor": await live_cursor()},
        headers=VARY,
    )


@get("/invitations/{invitation_id:uuid}/result", name="invitation_result")
async def invitation_result(
    invitation_id: FromPath[uuid.UUID], request: HTMXRequest, user: NamedDependency[CurrentUser]
) -> Template:
    """One invitation's full result on its own page (the candidate page shows them all); to
    HTMX, the result section alone, as the candidate page's live regions refetch it."""
    result = await result_view.result_for(user.organisation_id, invitation_id)
    if result is None:
        raise NotFoundException("No such invitation.")
    withheld = bool(await ai_withheld(user.organisation_id, user.id, [invitation_id]))
    if withheld:
        result = blind_result(result)
    if request.htmx:
        context = {
            "result": result,
            "under_card": True,
            "live_result": True,
            "ai_withheld": withheld,
        }
        return Template("invitations/_result.html", context=context, headers=VARY)
    context = {"result": result, "ai_withheld": withheld}
    return Template("invitations/result.html", context=context, headers=VARY)


@get("/jobs/{job_id:uuid}/compare", name="job_compare")
async def job_compare(
    job_id: FromPath[uuid.UUID],
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    assessment: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    stage: FromQuery[str | None] = None,
    page: FromQuery[int] = 1,
) -> Template:
    """Rank the job's candidates; the filter form swaps the table alone under HTMX."""
    filters = compare.clean_filters(assessment, sort, status, stage, page)
    # One connection for the page's reads instead of a pool checkout (and reset) for each.
    async with db.transaction():
        comparison = await compare.compare(user.organisation_id, job_id, filters)
    context = {
        "c": comparison,
        "statuses": InvitationStatus,
        "stages": Stage,
        "query": _query(comparison.filters),
    }
    name = "dashboard/_compare_table.html" if request.htmx else "dashboard/compare.html"
    return Template(name, context=context, headers=VARY)


@get("/jobs/{job_id:uuid}/compare.csv", name="job_compare_csv")
async def job_compare_csv(
    job_id: FromPath[uuid.UUID],
    user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    assessment: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    stage: FromQuery[str | None] = None,
) -> Stream:
    filters = compare.clean_filters(assessment, sort, status, stage, 1)
    comparison = await compare.compare(user.organisation_id, job_id, filters)
    return Stream(
        compare.export_csv(user.organisation_id, comparison, settings.public_base_url),
        media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types
        headers={
            "Content-Disposition": attachment(comparison.job["title"], "candidates.csv"),
            "Cache-Control": "no-store",
        },
    )


def attachment(title: str, suffix: str) -> str:
    """A download's Content-Disposition (RFC 6266): an ASCII `filename` for old clients and a
    UTF-8 `filename*` that keeps "García" as written."""
    plain = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() or "job"
    kept = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", title).strip(" .-")[:120] or "job"
    encoded = urllib.parse.quote(f"{kept} {suffix}", safe="")
    return f"attachment; filename=\"{plain}-{suffix}\"; filename*=UTF-8''{encoded}"


def _query(filters: compare.Filters) -> dict[str, str]:
    """The current filters as query parameters, for links that keep them."""
    query = {"sort": filters.sort, "status": filters.status, "stage": filters.stage}
    if filters.assessment_id:
        query["assessment"] = str(filters.assessment_id)
    return {k: v for k, v in query.items() if v}


ROUTES = [home, invitation_card, invitation_result, job_compare, job_compare_csv]

"""Review forms on the candidate page: a reviewer's own ratings and notes, and a decision. Each
answers the review fragment to HTMX (with the error beside the form, status 400, on bad
input) and, without JavaScript, goes back to the candidate page (or shows the form again with
the error). The organisation's decision trail as a page and a CSV export are for admins."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Stream, Template

from app.accounts.service import CurrentUser
from app.errors import Conflict, Invalid
from app.reviews import bulk, service
from app.reviews.service import MAX_PAGE, DecisionEntry, Panel, day_end
from app.web.client_address import client_ip

VARY = {"Vary": "HX-Request", "Cache-Control": "no-store"}


def _fragment(request: HTMXRequest, panel: Panel, status: int = 200, **context: Any) -> Template:
    """The fragment to HTMX, a page holding it otherwise (the no-JavaScript error answer)."""
    name = "reviews/_review.html" if request.htmx else "reviews/review.html"
    return Template(name, context={"panel": panel, **context}, status_code=status, headers=VARY)


def _back(request: HTMXRequest, panel: Panel) -> Redirect:
    url = request.app.route_reverse("candidate_detail", candidate_id=panel.candidate_id)
    return Redirect(f"{url}#review-{panel.invitation_id}")


def _reload() -> Response[str]:
    """To HTMX: load the page again (HX-Redirect to the same page with a #fragment would only
    scroll; a redirect htmx would follow itself)."""
    return Response("", media_type="text/html", headers={**VARY, "HX-Refresh": "true"})


def _toast(message: str) -> dict[str, str]:
    return {**VARY, "HX-Trigger": json.dumps({"hw:toast": message})}


@post("/invitations/{invitation_id:uuid}/review", name="review_save")
async def review_save(
    request: HTMXRequest, user: NamedDependency[CurrentUser], invitation_id: FromPath[uuid.UUID]
) -> Template | Redirect | Response[str]:
    form = await request.form()
    before = await service.panel(user.organisation_id, user.id, invitation_id)
    ratings = {k[7:]: v for k, v in form.items() if k.startswith("rating_")}
    notes = str(form.get("notes", ""))
    try:
        after = await service.save_review(
            user, invitation_id, ratings, notes, ip=client_ip(request)
        )
    except Invalid as exc:
        return _fragment(request, before, 400, review_error=exc.message, posted=dict(form))
    if not request.htmx:
        return _back(request, after)
    if before.withheld:
        # Blind-first: the AI output above this fragment appears now; load the page again.
        return _reload()
    return Template(
        "reviews/_review.html", context={"panel": after}, headers=_toast("Your ratings are saved.")
    )


@post("/invitations/{invitation_id:uuid}/decision", name="decision_record")
async def decision_record(
    request: HTMXRequest, user: NamedDependency[CurrentUser], invitation_id: FromPath[uuid.UUID]
) -> Template | Redirect | Response[str]:
    form = await request.form()
    version = form.get("ai_version")  # what the page showed; absent: whatever is shown now
    try:
        decided = await service.record_decision(
            user,
            invitation_id,
            str(form.get("outcome", "")),
            str(form.get("reason", "")),
            move=str(form.get("move_stage", "")) in ("1", "on", "true"),
            shown_version=None if version is None else str(version),
            ip=client_ip(request),
        )
    except (Invalid, Conflict) as exc:
        current = await service.panel(user.organisation_id, user.id, invitation_id)
        status = 409 if isinstance(exc, Conflict) else 400
        return _fragment(request, current, status, decision_error=exc.message, posted=dict(form))
    after = await service.panel(user.organisation_id, user.id, invitation_id)
    if not request.htmx:
        return _back(request, after)
    if decided.stage_moved_to:
        # The stage shown in the page's applications table changed too.
        return _reload()
    return Template(
        "reviews/_review.html",
        context={"panel": after},
        headers=_toast(f"Decision recorded: {decided.outcome.label}."),
    )


def _uuids(values: list[Any]) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(str(v)) for v in values]
    except ValueError:
        raise Invalid("Select candidates from the list.") from None


def _score(text: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise Invalid("Give the minimum overall score as a number from 0 to 5.") from None
    if value != value:  # NaN
        raise Invalid("Give the minimum overall score as a number from 0 to 5.")
    return value


@post("/jobs/{job_id:uuid}/decisions", name="bulk_decide")
async def bulk_decide(
    request: HTMXRequest, user: NamedDependency[CurrentUser], job_id: FromPath[uuid.UUID]
) -> Template:
    """Bulk decisions from the compare view: the selected candidates, or all with an overall
    score of at least the one given; each becomes its own decision."""
    form = await request.form()
    assessment_id = _uuids([form.get("assessment", "")])[0]
    threshold = str(form.get("scope", "")) == "threshold"
    outcome = await bulk.record_bulk(
        user,
        job_id,
        assessment_id,
        str(form.get("outcome", "")),
        str(form.get("reason", "")),
        invitation_ids=None if threshold else _uuids(form.getall("invitation_ids", [])),
        min_overall=_score(str(form.get("min_overall", ""))) if threshold else None,
        move=str(form.get("move_stage", "")) in ("1", "on", "true"),
        ip=client_ip(request),
    )
    message = f"{outcome.decided} decision{'s' if outcome.decided != 1 else ''} recorded: "
    message += outcome.outcome.label.lower()
    if outcome.skipped:
        message += f"; {outcome.skipped} left out (blind-first, not rated by you yet)"
    back = request.app.route_reverse("job_compare", job_id=job_id)
    back += f"?assessment={assessment_id}"
    name = "reviews/_bulk_done.html" if request.htmx else "reviews/bulk_done.html"
    return Template(name, context={"message": message, "back": back}, headers=_toast(message + "."))


def parse_day(text: str | None, field: str) -> dt.date | None:
    """A YYYY-MM-DD date from a query, or None for blank; anything else is refused."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"Give the {field} date as YYYY-MM-DD.") from None


def day_range(
    since: str | None, until: str | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[from, to] days, both included, as UTC instants [start, end)."""
    start, end = parse_day(since, "from"), parse_day(until, "to")
    if start and end and end < start:
        raise Invalid("The “to” date is before the “from” date.")
    return (dt.datetime.combine(start, dt.time(), dt.UTC) if start else None, day_end(end))


@get("/decisions", name="decisions")
async def decisions_page(
    user: NamedDependency[CurrentUser],
    since: FromQuery[str | None] = None,
    until: FromQuery[str | None] = None,
    page: FromQuery[int] = 1,
) -> Template:
    """The organisation's decision trail, newest first, 50 a page, for an auditor."""
    error = ""
    try:
        start, end = day_range(since, until)
    except Invalid as exc:
        error, start, end = exc.message, None, None
    page = min(max(page, 1), MAX_PAGE)
    rows = await service.trail(user.organisation_id, start, end, limit=51, offset=(page - 1) * 50)
    return Template(
        "reviews/decisions.html",
        context={
            "decisions": rows[:50],
            "has_more": len(rows) > 50,
            "page": page,
            "since": since or "",
            "until": until or "",
            "error": error,
        },
        status_code=400 if error else 200,
        headers={"Cache-Control": "no-store"},
    )


CSV_COLUMNS = [
    "decided at (UTC)",
    "decided by",
    "decision",
    "reason",
    "stage moved to",
    "candidate id",
    "job id",
    "invitation id",
    "AI output shown",
    "AI version",
    "AI scores shown",
    "AI summary shown",
    "decision id",
]


def csv_cell(value: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ tab or CR as a formula: quote it."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_row(d: DecisionEntry) -> list[str]:
    scores = "; ".join(
        f"{s['label']}: {s['value']:g}" + (f"/{s['scale']:g}" if s.get("scale") else "")
        for s in d.ai_output.get("scores", [])
    )
    values = [
        d.decided_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        d.decided_by,
        d.outcome.label,
        d.reason,
        d.stage_moved_to,
        str(d.candidate_id),
        str(d.job_id),
        str(d.invitation_id),
        "yes" if d.ai_shown else "no",
        d.ai_version,
        scores,
        d.ai_output.get("summary") or "",
    ]
    return [csv_cell(v) for v in values] + [str(d.id)]


async def export_csv(
    org: uuid.UUID, start: dt.datetime | None, end: dt.datetime | None
) -> AsyncIterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + out.getvalue()
    before = None
    while True:
        # Keyset batches: decisions recorded during the export shift nothing.
        rows = await service.trail(org, start, end, limit=500, before=before)
        out = io.StringIO()
        writer = csv.writer(out)
        for d in rows:
            writer.writerow(csv_row(d))
        yield out.getvalue()
        if len(rows) < 500:
            return
        before = (rows[-1].decided_at, rows[-1].id)


@get("/decisions.csv", name="decisions_csv")
async def decisions_csv(
    user: NamedDependency[CurrentUser],
    since: FromQuery[str | None] = None,
    until: FromQuery[str | None] = None,
) -> Stream:
    start, end = day_range(since, until)
    first, last = parse_day(since, "from"), parse_day(until, "to")
    period = "-".join(d.isoformat() for d in (first, last) if d) or "all"
    name = f"decisions-{period}.csv"
    return Stream(
        export_csv(user.organisation_id, start, end),
        media_type="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}",
            "Cache-Control": "no-store",
        },
    )


ROUTES = [review_save, decision_record, bulk_decide]
ADMIN_ROUTES = [decisions_page, decisions_csv]

"""The audit log page for admins: who did what, newest first."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.response import Template

from app.accounts.service import CurrentUser
from app.audit.service import audit_page
from app.web.auth import requires_admin

PAGE_SIZE = 50


@get("/audit", name="audit", guards=[requires_admin])
async def audit_log(
    user: NamedDependency[CurrentUser], before: FromQuery[int | None] = None
) -> Template:
    if before is not None and before < 1:
        raise ValidationException("before must be a positive event id")
    rows = await audit_page(user.organisation_id, limit=PAGE_SIZE + 1, before_id=before)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Template(
        "audit/list.html",
        context={"events": rows, "next_before": rows[-1]["id"] if more and rows else None},
    )


ROUTES = [audit_log]

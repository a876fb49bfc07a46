"""The audit log page for admins: who did what, newest first (the trail itself: app/audit)."""

from __future__ import annotations

import json

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.response import Template

from app.accounts.service import CurrentUser
from app.audit.service import audit_page
from app.audit.subjects import name_subjects, readable
from app.web.numbers import whole_number

PAGE_SIZE = 50


@get("/audit", name="audit")
async def audit_log(
    user: NamedDependency[CurrentUser], before: FromQuery[str | None] = None
) -> Template:
    cursor = None
    if before is not None:
        cursor = whole_number(before, minimum=1)
        if cursor is None:
            raise ValidationException("before must be a positive event id")
    rows = await audit_page(user.organisation_id, limit=PAGE_SIZE + 1, before_id=cursor)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    subjects = await name_subjects(user.organisation_id, rows)
    events = [
        {
            **dict(r),
            "subject": subjects.get((r["subject_type"], r["subject_id"])),
            "detail_text": readable(json.loads(r["detail"] or "{}")),
        }
        for r in rows
    ]
    return Template(
        "audit/list.html",
        context={"events": events, "next_before": rows[-1]["id"] if more and rows else None},
    )


ADMIN_ROUTES = [audit_log]

"""Settings → Candidate emails (admins): the organisation's own invitation and reminder emails,
with a preview as a candidate would see it."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app import db
from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.emails import custom
from app.mail import rendering
from app.web.client_address import client_ip

TITLES = {"invite": "Invitation", "reminder": "Reminder"}


def _kind(kind: str) -> str:
    if kind not in custom.KINDS:
        raise NotFoundException("There is no such email.")
    return kind


async def _page(user: CurrentUser, status: int = 200, **extra: Any) -> Template:
    saved = await custom.templates_of(user.organisation_id)
    emails = []
    for kind in custom.KINDS:
        form = (extra.get("forms") or {}).get(kind)
        current = saved.get(kind)
        emails.append(
            {
                "kind": kind,
                "title": TITLES[kind],
                "custom": current is not None,
                "fields": form or current or custom.default_template(kind),
                "error": (extra.get("errors") or {}).get(kind),
            }
        )
    context = {"emails": emails, "placeholders": custom.PLACEHOLDERS, **extra}
    return Template("settings_page/emails.html", context=context, status_code=status)


@get("/settings/emails", name="email_templates")
async def templates_page(
    user: NamedDependency[CurrentUser], saved: FromQuery[str] = ""
) -> Template:
    notice = {"saved": "Saved. New emails use it.", "reset": "Back to Hirewire's wording."}
    return await _page(user, notice=notice.get(saved))


@post("/settings/emails/{kind:str}", name="email_template_save")
async def template_save(
    request: HTMXRequest, user: NamedDependency[CurrentUser], kind: FromPath[str]
) -> Template | Redirect:
    kind = _kind(kind)
    form = await request.form()
    values = {
        k: str(form.get(k, ""))[: custom.MAX_BODY + 100] for k in ("subject", "body", "sender_name")
    }
    try:
        await custom.save(user.organisation_id, user.id, kind, **values)
    except custom.TemplateError as exc:
        return await _page(user, status=400, forms={kind: values}, errors={kind: str(exc)})
    await record_audit(user, "email_template_saved", "email_template", kind, ip=client_ip(request))
    return Redirect(f"{request.app.route_reverse('email_templates')}?saved=saved#{kind}")


@post("/settings/emails/{kind:str}/reset", name="email_template_reset")
async def template_reset(
    request: HTMXRequest, user: NamedDependency[CurrentUser], kind: FromPath[str]
) -> Redirect:
    kind = _kind(kind)
    await custom.reset(user.organisation_id, kind)
    await record_audit(user, "email_template_reset", "email_template", kind, ip=client_ip(request))
    return Redirect(f"{request.app.route_reverse('email_templates')}?saved=reset#{kind}")


@get("/settings/emails/{kind:str}/preview", name="email_template_preview")
async def template_preview(
    user: NamedDependency[CurrentUser], kind: FromPath[str], job: FromQuery[str] = ""
) -> Response[str]:
    """The email as a sample candidate (or one of `job`'s) would get it, in a sandbox."""
    kind = _kind(kind)
    job_title = "Data Engineer"
    if job:
        try:
            job_id = uuid.UUID(job)
        except ValueError:
            raise NotFoundException("No such job.") from None
        found = await db.fetchval(
            "SELECT title FROM job WHERE id = $1 AND organisation_id = $2",
            job_id,
            user.organisation_id,
        )
        if found is None:
            raise NotFoundException("No such job.")
        job_title = found
    context = custom.sample_context(user.organisation_name, job_title)
    template = await custom.template_of(user.organisation_id, kind)
    if template is not None:
        _, _, html = custom.render(template, context, user.organisation_name)
    else:
        _, _, html = rendering.render(kind, context)
    return Response(
        html,
        media_type=MediaType.HTML,
        headers={
            "content-security-policy": rendering.EMAIL_HTML_CSP,
            "x-frame-options": "SAMEORIGIN",
            "cache-control": "no-store",
        },
    )


ADMIN_ROUTES = [templates_page, template_save, template_reset]
ROUTES = [template_preview]

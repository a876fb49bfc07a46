"""Reading the outbox: one email's page, and its HTML part served on its own, sandboxed."""

from __future__ import annotations

import uuid

from litestar import MediaType, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.accounts.service import CurrentUser
from app.emails.service import get_email
from app.mail.rendering import EMAIL_HTML_CSP


@get("/emails/{email_id:uuid}", name="email_detail")
async def email_detail(
    user: NamedDependency[CurrentUser], email_id: FromPath[uuid.UUID]
) -> Template:
    email = await get_email(user.organisation_id, email_id)
    return Template("emails/message.html", context={"email": email})


@get("/emails/{email_id:uuid}/html", name="email_html")
async def email_html(
    user: NamedDependency[CurrentUser], email_id: FromPath[uuid.UUID]
) -> Response[str]:
    email = await get_email(user.organisation_id, email_id)
    return Response(
        email["body_html"],
        media_type=MediaType.HTML,
        headers={
            "content-security-policy": EMAIL_HTML_CSP,
            "x-frame-options": "SAMEORIGIN",
            "cache-control": "no-store",
        },
    )


ROUTES = [email_detail, email_html]

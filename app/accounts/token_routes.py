"""API tokens, page and JSON API: each user lists, makes (named, with an expiry) and revokes
their own tokens; the new token is shown once."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from msgspec import Struct

from app.accounts import tokens
from app.accounts.service import AccountError, CurrentUser
from app.audit.service import record_audit
from app.web.client_address import client_ip


def _expiry(raw: object) -> int | None:
    """Days from the form or the API: a choice, or "" / None / "never" for no expiry."""
    if raw in (None, "", "never"):
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise AccountError(tokens.expiry_problem(-1) or "")
    return int(text)


async def _create(
    request: Request[Any, Any, Any], user: CurrentUser, name: str, days: int | None
) -> tuple[str, dict[str, Any]]:
    """Make a token (AccountError with the reason otherwise) and put it in the audit log."""
    token, row = await tokens.create_token(user.id, name, days)
    await record_audit(
        user,
        "api_token_created",
        "api_token",
        row["id"],
        {"name": row["name"]},
        ip=client_ip(request),
    )
    return token, row


async def _revoke(
    request: Request[Any, Any, Any], user: CurrentUser, token_id: uuid.UUID
) -> dict[str, Any]:
    """Revoke one of the user's tokens and log it; 404 for anyone else's."""
    row = await tokens.revoke_token(user.id, token_id)
    if row is None:
        raise NotFoundException("No such token.")
    await record_audit(user, "api_token_revoked", "api_token", row["id"], ip=client_ip(request))
    return row


async def _page(user: CurrentUser, status: int = 200, **extra: object) -> Template:
    context = {
        "tokens": await tokens.list_tokens(user.id),
        "expiry_days": tokens.EXPIRY_DAYS,
        **extra,
    }
    return Template("accounts/tokens.html", context=context, status_code=status)


@get("/account/tokens", name="tokens")
async def tokens_page(user: NamedDependency[CurrentUser], revoked: FromQuery[str] = "") -> Template:
    return await _page(user, notice="The token was revoked." if revoked else None)


@post("/account/tokens", name="token_create")
async def token_create(request: HTMXRequest, user: NamedDependency[CurrentUser]) -> Template:
    form = await request.form()
    name = str(form.get("name", ""))
    try:
        token, row = await _create(request, user, name, _expiry(form.get("expires_in_days")))
    except AccountError as exc:
        return await _page(user, status=400, error=str(exc), name=name[:100])
    return await _page(user, status=201, new_token=token, new_name=row["name"])


@post("/account/tokens/{token_id:uuid}/revoke", name="token_revoke")
async def token_revoke(
    request: HTMXRequest, user: NamedDependency[CurrentUser], token_id: FromPath[uuid.UUID]
) -> Redirect:
    await _revoke(request, user, token_id)
    return Redirect(request.app.route_reverse("tokens") + "?revoked=1")


HTML_ROUTES = [tokens_page, token_create, token_revoke]


class NewToken(Struct):
    name: str
    expires_in_days: int | None = None


@get("/tokens", name="api_tokens")
async def api_list_tokens(user: NamedDependency[CurrentUser]) -> dict[str, Any]:
    """Your API tokens, newest first: prefix, state, dates; never the tokens themselves."""
    return {"tokens": await tokens.list_tokens(user.id)}


@post("/tokens", name="api_token_create", status_code=201)
async def api_create_token(
    request: Request[Any, Any, Any], user: NamedDependency[CurrentUser], data: JSONBody[NewToken]
) -> dict[str, Any]:
    """A new token for you, returned once in `token`. `expires_in_days`: 7, 30, 90, 365 or
    null (never)."""
    try:
        token, row = await _create(request, user, data.name, data.expires_in_days)
    except AccountError as exc:
        raise ValidationException(str(exc)) from None
    return {**row, "token": token}


@delete("/tokens/{token_id:uuid}", name="api_token_revoke", status_code=200)
async def api_revoke_token(
    request: Request[Any, Any, Any],
    user: NamedDependency[CurrentUser],
    token_id: FromPath[uuid.UUID],
) -> dict[str, Any]:
    """Revoke one of your tokens (it stops working at once; revoking again is harmless)."""
    return await _revoke(request, user, token_id)


API_ROUTES = [api_list_tokens, api_create_token, api_revoke_token]

"""The public webhook endpoint and /metrics: verify, store, acknowledge; nothing slow before the
answer (no provider call, one statement to store)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.crypto import SecretBox
from app.logs import get_logger
from app.providers.base import UnusablePayload, WebhookAdapter
from app.providers.registry import PROVIDERS, webhook_adapter
from app.web.numbers import whole_number
from app.webhooks import inbox, metrics
from app.webhooks.inbox import DB_UNAVAILABLE, Endpoint, EndpointCache, db_unavailable

log = get_logger(__name__)

MAX_BODY = 1024 * 1024
# An oversize body is read and thrown away up to this much before the 413, so that a client
# that writes its whole request before reading sees the answer: closing with unread bytes in
# the socket sends a reset, which discards the 413 on the client's side.
DISCARD_LIMIT = 8 * MAX_BODY
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,200}")  # tokens are secrets.token_urlsafe(...)
_caches: dict[int, EndpointCache] = {}
_adapters: dict[str, WebhookAdapter] = {}


class BodyTooLarge(Exception):
    pass


def _answer(code: int, outcome: str, message: str, **extra: Any) -> Response[bytes]:
    metrics.DELIVERIES.labels(outcome).inc()
    body = {"status_code": code, "message": message, **extra} if code >= 400 else extra
    return Response(json.dumps(body).encode(), status_code=code, media_type=MediaType.JSON)


def _cache(box: SecretBox) -> EndpointCache:
    cache = _caches.get(id(box))
    if cache is None:
        cache = _caches[id(box)] = EndpointCache(box)
    return cache


def _adapter(name: str) -> WebhookAdapter:
    adapter = _adapters.get(name)
    if adapter is None:
        adapter = _adapters[name] = webhook_adapter(name)
    return adapter


async def _read_body(request: Request[Any, Any, Any]) -> bytes:
    """The body, refusing to read past MAX_BODY whatever Content-Length claimed."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _too_large(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The 413, after discarding the rest of the body up to DISCARD_LIMIT (past that, or if the
    client stalls, which body_guard bounds, the connection closes as before)."""
    discarded = 0
    while discarded <= DISCARD_LIMIT:
        message = await request.receive()
        if message["type"] != "http.request":
            break
        discarded += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return _answer(413, "too_large", "The body is larger than 1 MiB.")


def _verified(adapter: WebhookAdapter, endpoint: Endpoint, body: bytes, headers: Any) -> bool:
    return any(adapter.verify(body, headers, secret) for secret in endpoint.secrets)


@post(
    "/webhooks/{provider:str}/{token:str}",
    name="webhook",
    exclude_from_auth=True,
    exclude_from_csrf=True,
    include_in_schema=False,
    status_code=202,
)
async def receive_webhook(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    token: FromPath[str],
    box: NamedDependency[SecretBox],
) -> Response[bytes]:
    """Store an authentic delivery and answer 202; the README's Webhooks section lists every
    other answer."""
    length = request.headers.get("content-length")
    if length and (whole_number(length, maximum=10**18) or 0) > MAX_BODY:
        return await _too_large(request)
    request_id = str(request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex)
    if provider not in PROVIDERS:
        return _answer(404, "unknown_token", "No provider has this webhook address.")
    if not TOKEN_SHAPE.fullmatch(token):  # never sends NUL bytes or junk to the database
        return _answer(404, "unknown_token", "No assessment has this webhook address.")
    cache = _cache(box)
    try:
        endpoint = cache.cached(token)
        fresh = endpoint is None
        if endpoint is None:
            endpoint = await cache.load(token)
        if endpoint is None or endpoint.provider != provider:
            # another provider's token is as unknown here as a made-up one
            return _answer(404, "unknown_token", "No assessment has this webhook address.")
        try:
            body = await _read_body(request)
        except BodyTooLarge:
            return await _too_large(request)
        adapter = _adapter(endpoint.provider)
        headers = request.headers
        if not _verified(adapter, endpoint, body, headers):
            reloaded = None if fresh else await cache.load(token)
            if reloaded is None or not _verified(adapter, reloaded, body, headers):
                metrics.SIGNATURE_FAILURES.inc()
                log.warning(
                    "webhook_signature_failed",
                    assessment_id=str(endpoint.assessment_id),
                    has_signature=adapter.signature_header in headers,
                    size=len(body),
                    request_id=request_id,
                )
                return _answer(401, "bad_signature", "Missing or wrong signature.")
            endpoint = reloaded
        kept = inbox.kept_headers(headers)
        try:
            event = adapter.parse(body)
            payload_json = body.decode("utf-8")
        except (UnusablePayload, UnicodeDecodeError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, UnusablePayload) else _reason(exc)
            await inbox.store_rejected(endpoint, body, kept, reason, request_id)
            return _answer(400, "rejected", f"Stored but not usable: {reason}")
        try:
            delivery_id = await inbox.store_event(
                endpoint,
                event.idempotency_key,
                event.event_type,
                kept,
                payload_json,
                request_id,
                email=event.candidate_email,
                interview_id=str(event.interview_id) if event.interview_id else None,
                event_kind=event.kind,
            )
        except Exception as exc:  # e.g. JSON that PostgreSQL's jsonb refuses (\\u0000)
            if db_unavailable(exc) or not _is_data_error(exc):
                raise
            await inbox.store_rejected(endpoint, body, kept, f"not storable: {exc}", request_id)
            return _answer(400, "rejected", "Stored but not usable: the JSON cannot be stored.")
    except Exception as exc:
        if not db_unavailable(exc):
            raise
        log.warning("webhook_db_unavailable", error=type(exc).__name__, request_id=request_id)
        return _answer(503, "unavailable", "The database is unavailable; retry later.")
    if delivery_id is None:
        return _answer(202, "duplicate", "", status="duplicate")
    return _answer(202, "stored", "", status="stored", delivery_id=str(delivery_id))


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "the body is JSON nested too deeply to read"
    return "the body is not UTF-8 text"


def _is_data_error(exc: Exception) -> bool:
    import asyncpg

    return isinstance(exc, asyncpg.DataError | asyncpg.exceptions.UntranslatableCharacterError)


@get(
    "/metrics",
    name="metrics",
    exclude_from_auth=True,
    exclude_from_csrf=True,
    include_in_schema=False,
    media_type="text/plain; version=0.0.4",
)
async def metrics_endpoint() -> Response[bytes]:
    """Prometheus text format."""
    try:
        await metrics.refresh_gauges()
    except DB_UNAVAILABLE as exc:
        log.warning("metrics_db_unavailable", error=type(exc).__name__)
    return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")


PUBLIC_ROUTES = [receive_webhook, metrics_endpoint]

"""GET /jobs/{job_id}/stream: the job's server-sent events. Each event names a card
("card-<invitation id>", data: the id); the browser fetches the card's fragment itself.

Catching up: every event carries an id, a cursor in the database's clock (microseconds since
the epoch), and the page puts the cursor of its render in the stream URL (`since`). A stream
that starts with a cursor, from the URL or a reconnecting browser's Last-Event-ID, first
re-announces every card of the job touched since then, minus a margin for transactions that
started (their now()) before a cursor was handed out but committed after it (re-announcing a card is harmless: the browser just
fetches it again). Too many changes, or a lost LISTEN connection, send one "resync" event
instead, and every card on the page refreshes."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import ServerSentEvent, ServerSentEventMessage

from app import db
from app.accounts import service
from app.accounts.auth import SESSION_COOKIE
from app.accounts.service import CurrentUser
from app.dashboard.live import RESYNC, LiveHub
from app.invitations import cards
from app.settings import Settings
from app.web.cursors import cursor_of, database_now, moment_of, parse_cursor

CATCH_UP_MARGIN = dt.timedelta(seconds=15)  # longer than any writer's transaction
CATCH_UP_LIMIT = 200
KEEPALIVE_SECONDS = 15.0
AUTH_CHECK_SECONDS = 5.0  # a stream outlives its session's end by at most this
RETRY_MS = 1000
LOGGED_OUT = "logged-out"  # the last event of a stream whose session or token ended


class Clock:
    """Cursor for outgoing events: the database clock at start, advanced by this process's
    monotonic clock, so there is no query per event."""

    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self.mono = time.monotonic()

    def now(self) -> int:
        return cursor_of(self.start) + int((time.monotonic() - self.mono) * 1_000_000)


def card_event(invitation_id: uuid.UUID, cursor: int) -> ServerSentEventMessage:
    return ServerSentEventMessage(event=f"card-{invitation_id}", data=str(invitation_id), id=cursor)


async def _catch_up(
    org: uuid.UUID, job: uuid.UUID, since: int, cursor: int
) -> list[ServerSentEventMessage]:
    changed = await cards.changed_since(
        org, job, moment_of(since) - CATCH_UP_MARGIN, CATCH_UP_LIMIT + 1
    )
    if len(changed) > CATCH_UP_LIMIT:
        return [ServerSentEventMessage(event=RESYNC, data=RESYNC, id=cursor)]
    return [card_event(invitation_id, cursor) for invitation_id in reversed(changed)]


async def job_events(
    hub: LiveHub,
    org: uuid.UUID,
    job: uuid.UUID,
    since: int | None,
    max_seconds: float,
    still_allowed: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[ServerSentEventMessage]:
    """The job's events until `max_seconds` pass, the server stops, or `still_allowed` (asked
    every AUTH_CHECK_SECONDS) says the caller's session or token has ended."""
    with hub.listen(job) as queue:  # listen before reading the database: nothing falls between
        clock = Clock(await database_now())
        yield ServerSentEventMessage(comment="live", retry=RETRY_MS, data=None)
        synced = clock.now()
        if since is not None:
            for message in await _catch_up(org, job, since, synced):
                yield message
        deadline = time.monotonic() + max_seconds
        next_tick = time.monotonic() + KEEPALIVE_SECONDS
        next_check = time.monotonic() + AUTH_CHECK_SECONDS if still_allowed else math.inf
        while (now := time.monotonic()) < deadline:
            if still_allowed is not None and now >= next_check:
                if not await still_allowed():
                    # Logged out (or revoked): the browser's reconnect would be refused, so
                    # say so, and the page offers to log in again instead of reconnecting.
                    yield ServerSentEventMessage(event=LOGGED_OUT, data="/login", id=clock.now())
                    return
                next_check = now + AUTH_CHECK_SECONDS
            if now >= next_tick:
                # A named event, not a comment: its id moves the browser's Last-Event-ID on.
                yield ServerSentEventMessage(event="tick", data="tick", id=clock.now())
                next_tick = now + KEEPALIVE_SECONDS
                continue
            try:
                wait = min(next_tick, next_check, deadline) - now
                update = await asyncio.wait_for(queue.get(), timeout=max(0.0, wait))
            except TimeoutError:
                continue
            next_tick = time.monotonic() + KEEPALIVE_SECONDS
            if update is None:  # the server is stopping: end cleanly, the browser reconnects
                return
            if update.event == RESYNC:
                # The process stopped listening for a while: replay since the last sync.
                now = clock.now()
                for message in await _catch_up(org, job, synced, now):
                    yield message
                synced = now
            elif update.org == org and update.invitation is not None:
                yield card_event(update.invitation, clock.now())


@get("/jobs/{job_id:uuid}/stream", name="job_stream")
async def job_stream(
    job_id: FromPath[uuid.UUID],
    request: HTMXRequest,
    user: NamedDependency[CurrentUser],
    live: NamedDependency[LiveHub],
    settings: NamedDependency[Settings],
    since: FromQuery[str | None] = None,
) -> ServerSentEvent:
    found = await db.fetchval(
        "SELECT 1 FROM job WHERE id = $1 AND organisation_id = $2", job_id, user.organisation_id
    )
    if not found:
        raise NotFoundException("No such job.")
    cursors = [parse_cursor(since), parse_cursor(request.headers.get("last-event-id"))]
    known = [c for c in cursors if c is not None]
    start = max(known) if known else None
    return ServerSentEvent(
        job_events(
            live,
            user.organisation_id,
            job_id,
            start,
            float(settings.sse_max_stream_seconds),
            _still_allowed(request),
        ),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _still_allowed(request: HTMXRequest) -> Callable[[], Awaitable[bool]]:
    """Whether the credential this stream was opened with still works."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    header = request.headers.get("authorization", "")

    async def check() -> bool:
        if request.auth == "token":
            return await service.token_user(header[7:].strip()) is not None
        return await service.session_user(cookie) is not None

    return check


ROUTES = [job_stream]

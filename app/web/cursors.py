"""Cursors of the live updates: a moment in the database's clock, as microseconds since the
epoch. A page renders with the cursor of its render (`live_cursor`) in its stream URL, and the
stream (app/dashboard/stream.py) replays what changed after it."""

from __future__ import annotations

import datetime as dt

from app import db
from app.web.numbers import whole_number

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def cursor_of(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def moment_of(cursor: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=cursor)


# A cursor past this is no moment a datetime can hold: the catch-up would overflow after the 200.
MAX_CURSOR = (dt.datetime(9999, 1, 1, tzinfo=dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)


def parse_cursor(raw: str | None) -> int | None:
    """A cursor from the URL or Last-Event-ID; anything unreadable or out of range (digits
    that are not ASCII, beyond year 9999) means "no cursor": the stream starts live."""
    return whole_number(raw, maximum=MAX_CURSOR)


async def database_now() -> dt.datetime:
    """The database's clock: cursors compare with timestamps written by any process."""
    moment: dt.datetime = await db.fetchval("SELECT clock_timestamp()")
    return moment


async def live_cursor() -> int:
    """The cursor a page puts in its stream URL: changes after it are announced to it."""
    return cursor_of(await database_now())

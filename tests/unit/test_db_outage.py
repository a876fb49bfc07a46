"""db.outage: the database's own errors are an outage (503); an OSError or timeout raised by
anything else stays a 500, so a real bug is not hidden behind "try again"."""

from __future__ import annotations

import asyncpg

from app import db


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_asyncpg_connection_errors_are_an_outage():
    assert db.outage(_raised(asyncpg.ConnectionDoesNotExistError("gone")))
    assert db.outage(_raised(asyncpg.CannotConnectNowError("starting up")))


def test_oserrors_and_timeouts_from_elsewhere_are_not():
    assert not db.outage(_raised(FileNotFoundError("template.html")))
    assert not db.outage(_raised(TimeoutError()))
    assert not db.outage(_raised(ValueError("bug")))

"""Each kind of service refusal becomes the HTTP answer it stands for, its message kept."""

from __future__ import annotations

import pytest

from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooMany
from app.jobs.service import JobClosed
from app.web.errors import as_http


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("No such job."), 404),
        (Conflict("Already done."), 409),
        (JobClosed("This job is closed: reopen it to invite."), 409),
        (Invalid("Give a title."), 400),
        (Forbidden("Only an admin can."), 403),
        (TooMany("Slow down.", retry_after=30), 429),
    ],
)
def test_each_kind_has_its_status_and_keeps_its_message(error: DomainError, status: int):
    answer = as_http(error)
    assert answer.status_code == status
    assert answer.detail == error.message


def test_too_many_says_when_to_retry():
    assert as_http(TooMany("Slow down.", retry_after=30)).headers == {"Retry-After": "30"}

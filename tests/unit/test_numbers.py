"""whole_number: only ASCII digits within the range are numbers."""

from __future__ import annotations

import pytest

from app.web.cursors import MAX_CURSOR, moment_of, parse_cursor
from app.web.numbers import BIGINT_MAX, whole_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 42 ", 42),
        ("0", 0),
        (str(BIGINT_MAX), BIGINT_MAX),
        (str(BIGINT_MAX + 1), None),
        ("9" * 25, None),
        ("9" * 5000, None),  # beyond int()'s digit limit: refused before int() sees it
        ("\u00b2", None),  # isdigit() is true, int() refuses
        ("\u0663", None),  # int() would read 3
        ("\uff11", None),
        ("1_000", None),
        ("+1", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        (None, None),
        ("\x00", None),
    ],
)
def test_whole_number_reads_ascii_digits_in_range(raw, expected):
    assert whole_number(raw) == expected


def test_whole_number_honours_its_bounds():
    assert whole_number("0", minimum=1) is None
    assert whole_number("11", maximum=10) is None
    assert whole_number("10", maximum=10) == 10


def test_stream_cursors_beyond_a_datetime_are_no_cursor():
    assert parse_cursor(str(MAX_CURSOR)) == MAX_CURSOR
    moment_of(MAX_CURSOR)  # representable
    assert parse_cursor(str(MAX_CURSOR + 1)) is None
    assert parse_cursor("9999999999999999999") is None
    assert parse_cursor("\u00b2") is None

"""Whole numbers read from query strings, headers and form fields: ASCII digits within a range.

`str.isdigit()` is true for "²" (which `int()` refuses) and `int()` accepts "٣", "1_000" and
" 7 "; a number beyond PostgreSQL's bigint or a datetime fails later, after a 200. Every number
a request carries goes through `whole_number` (or a bounded Litestar `Parameter`), so an odd one
is refused with a 400 or replaced by the default, never a 500."""

from __future__ import annotations

import re

BIGINT_MAX = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]+")


def whole_number(raw: str | None, maximum: int = BIGINT_MAX, minimum: int = 0) -> int | None:
    """The integer `raw` spells in ASCII digits (blanks around it allowed) if it lies in
    [minimum, maximum]; None for anything else, so the caller picks a default or refuses."""
    text = (raw or "").strip()
    if len(text) > len(str(maximum)) or not ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None

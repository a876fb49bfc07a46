"""Finding the erased person's strings in stored text: whole-word regular expressions for
PostgreSQL (`~*`), so erasing ann@x.org leaves joann@x.org alone and "Ada" does not hit
"Adam"."""

from __future__ import annotations

import re
from typing import Any

# A term matches only as a whole: "ann@x.org" must not match "joann@x.org", nor "Ada" "Adam".
EMAIL_EDGE = "[^[:alnum:]._%+-]"
WORD_EDGE = "[^[:alnum:]]"


def _pattern(term: str, edge: str) -> str:
    """A PostgreSQL regular expression (used with ~*) matching `term` as a whole."""
    escaped = re.sub(r"([^\w\s])", r"\\\1", term.strip())
    return f"(^|{edge}){escaped}($|{edge})"


def patterns(terms: list[str], edge: str = WORD_EDGE) -> list[str]:
    unique = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    return [_pattern(t, edge) for t in unique]


def email_patterns(candidate: Any) -> list[str]:
    return patterns([candidate["email"]], EMAIL_EDGE)


def strong_patterns(candidate: Any) -> list[str]:
    """What names this person and nobody else: searched across the organisation."""
    first, last = (candidate["first_name"] or "").strip(), (candidate["last_name"] or "").strip()
    full = f"{first} {last}" if first and last else ""
    return email_patterns(candidate) + patterns([candidate["phone"], full])


def personal_patterns(candidate: Any) -> list[str]:
    """Also the bare first and last names: searched only in rows of the person's own
    invitations (a first name alone would match other people across the organisation)."""
    names = [candidate["first_name"], candidate["last_name"]]
    return strong_patterns(candidate) + patterns(names)


# True when the text matches any of the patterns ($N is a text[] of regular expressions).
def mentions(expr: str, param: str) -> str:
    return f"EXISTS (SELECT 1 FROM unnest({param}::text[]) AS p WHERE {expr} ~* p)"


def bytes_mention(expr: str, param: str) -> str:
    # Raw bodies may not be UTF-8; 'escape' keeps ASCII as is, which covers emails and ids.
    return mentions(f"encode({expr}, 'escape')", param)

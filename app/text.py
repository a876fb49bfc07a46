"""Text people type (names, titles, descriptions) made safe to store and display: without NUL
(PostgreSQL text cannot hold it), other control characters, or the Unicode formatting marks
that reorder or hide what is shown (bidirectional overrides and isolates, the
zero-width space), so "‮gpj.exe" or an invisible name cannot mislead a recruiter. Templates
escape HTML as well; this is about what the characters themselves do.

`clean` is the one helper every input goes through; how much it takes away depends on what the
text is for (see `Keep`). `one_line` and `lines` are its two commonest uses."""

from __future__ import annotations

import re
from typing import Any, Literal

from markupsafe import Markup

# C0 and C1 controls, except tab and newline (kept where a text may have lines), plus the
# marks that reorder or hide: embeddings and overrides, isolates, zero-width space, word
# joiner and invisible operators, BOM. The joiners (ZWJ, ZWNJ) and the plain direction marks
# (LRM, RLM, ALM) stay: Persian, Hindi or Hebrew names and emoji need them, and they cannot
# reverse a run of text.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_FORMATTING = "\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_LINE_UNSAFE = re.compile(f"[{_CONTROLS}{_FORMATTING}\t\n]")
_TEXT_UNSAFE = re.compile(f"[{_CONTROLS}{_FORMATTING}]")


# What `clean` keeps:
# - "exact": everything but NUL, untrimmed: what is matched rather than shown (a password, a
#   search filter's value, an id or address a provider sent);
# - "words": NUL gone and every run of whitespace, line breaks included, one space, trimmed:
#   a search or a mail header (a line break there would be header injection);
# - "line": a name or title: unsafe characters gone, tabs and line breaks become spaces,
#   trimmed;
# - "lines": a description or note: as "line", but keeping tabs and line breaks.
Keep = Literal["exact", "words", "line", "lines"]


def clean(value: str | None, keep: Keep = "line", limit: int | None = None) -> str:
    """`value` (None is "") cleaned for its use (`Keep`), then cut to `limit` characters."""
    text = value or ""
    if keep == "exact":
        text = text.replace("\x00", "")
    elif keep == "words":
        text = " ".join(text.replace("\x00", "").split())
    elif keep == "line":
        text = _LINE_UNSAFE.sub(lambda m: " " if m.group() in "\t\n" else "", text).strip()
    else:
        text = _TEXT_UNSAFE.sub("", text.replace("\r\n", "\n")).strip()
    return text if limit is None else text[:limit]


def one_line(value: str | None) -> str:
    """A name or title (`clean` keeping "line")."""
    return clean(value, "line")


def lines(value: str | None) -> str:
    """A description or note (`clean` keeping "lines")."""
    return clean(value, "lines")


def impersonal(text: str, email: str, names: tuple[str, ...] = ()) -> str:
    """`text` with the person's email and names replaced: for error texts from a provider or a
    mail server, which echo them and are kept and shown (outbox, queue, timeline, logs)."""
    if email.strip():
        whole = rf"(?<![\w.%+-]){re.escape(email.strip())}(?![\w.-])"  # not jo.ann@ for ann@
        text = re.sub(whole, "the candidate's address", text, flags=re.I)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        whole = rf"(?<![\w.@+-]){re.escape(name)}(?![\w@-])"  # a word, not part of an address
        text = re.sub(whole, "the candidate", text, flags=re.I)
    return text


def for_display(value: str) -> str:
    """What a page prints: unsafe characters gone, nothing else changed (no trimming)."""
    return _TEXT_UNSAFE.sub("", value)


def displayable(value: Any) -> Any:
    """Jinja's `finalize` for every printed value: text loses what reorders or hides it (data
    stored before input was cleaned, or text from a provider); markup is the app's own and
    other values print as they are."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return for_display(value)
    return value

"""Text people type (names, titles, descriptions) made safe to store and display: without NUL
(PostgreSQL text cannot hold it), other control characters, or the Unicode formatting marks
that reorder or hide what is shown (bidirectional overrides and isolates, the
zero-width space), so "‮gpj.exe" or an invisible name cannot mislead a recruiter. Templates
escape HTML as well; this is about what the characters themselves do."""

from __future__ import annotations

import re
from typing import Any

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


def one_line(value: str | None) -> str:
    """A name or title: unsafe characters gone, tabs and line breaks become spaces, trimmed."""
    cleaned = _LINE_UNSAFE.sub(lambda m: " " if m.group() in "\t\n" else "", value or "")
    return cleaned.strip()


def lines(value: str | None) -> str:
    """A description or note: as `one_line`, but keeping tabs and line breaks."""
    return _TEXT_UNSAFE.sub("", (value or "").replace("\r\n", "\n")).strip()


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

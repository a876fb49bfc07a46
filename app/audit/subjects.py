"""How the audit log names what an event was about: each feature registers a namer for its own
objects (`@names_subjects("candidate")` next to its service), so the log shows "Ada Lovelace"
with a link, or "Erased candidate", instead of an id, while audit imports no feature. Details
are turned into readable text here too."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar


@dataclass(frozen=True)
class Subject:
    label: str
    route: str = ""  # a route name for url_for; "" for no link
    params: dict[str, str] = field(default_factory=dict)


# (organisation, ids of that type) -> id -> Subject, for the ids still there
Namer = Callable[[uuid.UUID, list[uuid.UUID]], Awaitable[dict[str, Subject]]]
NAMERS: dict[str, Namer] = {}
F = TypeVar("F", bound=Namer)


def names_subjects(subject_type: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        NAMERS[subject_type] = fn
        return fn

    return register


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


async def name_subjects(
    organisation_id: uuid.UUID, events: Iterable[Any]
) -> dict[tuple[str, str], Subject]:
    """(subject_type, subject_id) -> Subject for every event whose subject can be named (one
    query per type)."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for event in events:
        parsed = _uuid(event["subject_id"] or "")
        if parsed is not None and event["subject_type"] in NAMERS:
            wanted.setdefault(event["subject_type"], set()).add(parsed)
    out: dict[tuple[str, str], Subject] = {}
    for subject_type, ids in wanted.items():
        named = await NAMERS[subject_type](organisation_id, sorted(ids))
        out.update({(subject_type, key): subject for key, subject in named.items()})
    return out


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in value.items())
    return str(value)


def readable(detail: Any) -> str:
    """An event's detail as text a person reads ("days: 7, expires at: ...")."""
    if not isinstance(detail, dict) or not detail:
        return ""
    return ", ".join(f"{key.replace('_', ' ')}: {_value(value)}" for key, value in detail.items())

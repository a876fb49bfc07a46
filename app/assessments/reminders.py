"""An assessment's reminder schedule: hours after the invitation and hours before its link
expires at which the candidate is reminded (by default 48 and 24). Parsed and checked here,
stored on the assessment; the reminders themselves are sent by app/invitations/reminders.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.errors import Invalid, NotFound

MAX_HOURS = 24 * 90  # a reminder more than 90 days out is a typing mistake
MAX_PER_LIST = 5


@dataclass(frozen=True)
class ReminderSchedule:
    after_invite_hours: tuple[int, ...] = (48,)
    before_expiry_hours: tuple[int, ...] = (24,)

    @classmethod
    def from_stored(cls, raw: Any) -> ReminderSchedule:
        """The stored JSON, tolerant of a missing key (the default) and of junk (skipped)."""
        raw = raw if isinstance(raw, dict) else {}
        default = cls()

        def hours(key: str, fallback: tuple[int, ...]) -> tuple[int, ...]:
            value = raw.get(key)
            if not isinstance(value, list):
                return fallback
            return tuple(sorted({h for h in value if isinstance(h, int) and 0 < h <= MAX_HOURS}))

        return cls(
            hours("after_invite_hours", default.after_invite_hours),
            hours("before_expiry_hours", default.before_expiry_hours),
        )

    def stored(self) -> dict[str, list[int]]:
        return {
            "after_invite_hours": list(self.after_invite_hours),
            "before_expiry_hours": list(self.before_expiry_hours),
        }

    @property
    def text(self) -> str:
        """In words, for the assessment page."""
        parts = [f"{h} h after the invitation" for h in self.after_invite_hours]
        parts += [f"{h} h before the link expires" for h in self.before_expiry_hours]
        return ", ".join(parts) or "no reminders"


def checked(after: list[int], before: list[int]) -> ReminderSchedule:
    """A schedule from whole hours, or Invalid saying what is wrong."""
    for name, values in (("after the invitation", after), ("before expiry", before)):
        if len(values) > MAX_PER_LIST:
            raise Invalid(f"At most {MAX_PER_LIST} reminders {name}.")
        for h in values:
            if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= MAX_HOURS:
                raise Invalid(
                    f"Reminder hours {name} must be whole numbers from 1 to {MAX_HOURS}; got {h!r}."
                )
    return ReminderSchedule(tuple(sorted(set(after))), tuple(sorted(set(before))))


def parse_hours(text: str, name: str) -> list[int]:
    """ "48, 72" -> [48, 72]; blank is none. Invalid names the field and the bad part."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip().removesuffix("h").strip()
        if not part:
            continue
        if not part.isdigit():
            raise Invalid(
                f"Hours {name}: “{part[:20]}” is not a whole number (write them like 48, 72)."
            )
        out.append(int(part))
    return out


async def set_schedule(
    organisation_id: uuid.UUID, assessment_id: uuid.UUID, schedule: ReminderSchedule
) -> ReminderSchedule:
    updated = await db.fetchval(
        """UPDATE assessment SET reminder_schedule = $3::jsonb, updated_at = now()
           WHERE id = $1 AND organisation_id = $2 RETURNING id""",
        assessment_id,
        organisation_id,
        schedule.stored(),
    )
    if updated is None:
        raise NotFound("No such assessment.")
    return schedule

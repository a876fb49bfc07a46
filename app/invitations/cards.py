"""The data of an invitation's status card: one query and one model for every place that shows
a card (job, assessment, candidate and home pages, the card endpoint the live stream and the
actions swap in, the result view and the API's invitation summary), so all show the same thing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.emails.statuses import EmailStatus
from app.invitations.statuses import CANCELLABLE, EXTENDABLE, REINVITE_ON_CARD, InvitationStatus
from app.providers.registry import webhook_adapter

# Still moving: these cards poll slowly as a fallback to the live stream.
WAITING = frozenset(InvitationStatus.waiting_values())

CARD_COLUMNS = """
    i.id, i.job_id, i.candidate_id, i.assessment_id, i.application_id, i.status, i.missing,
    i.failure_reason, i.overall_score, i.interview_link, i.invited_at, i.completed_at,
    i.expires_at, i.updated_at, i.provider_stage,
    i.provider, i.unavailable, i.video_due_at, i.results_due_at, i.attempt,
    a.title AS assessment_title, a.video_enabled,
    c.first_name, c.last_name, c.email, c.erased_at,
    ap.stage,
    (SELECT e.status FROM email_message e WHERE e.invitation_id = i.id
        ORDER BY e.created_at DESC LIMIT 1) AS email_status
"""
CARD_JOINS = """
    FROM invitation i
    JOIN assessment a ON a.id = i.assessment_id
    JOIN candidate c ON c.id = i.candidate_id
    JOIN application ap ON ap.id = i.application_id
"""
CARD_SQL = f"SELECT {CARD_COLUMNS} {CARD_JOINS}"

# What a card is titled with: the assessment where the candidate is known (job and candidate
# pages), the candidate where the assessment is (the assessment page), or both (the home page).
HEADINGS = ("assessment", "candidate", "both")

MISSING_LABELS = {
    "video": "video processing",
    "summary": "summary",
    "transcript": "transcript",
}


@dataclass(frozen=True)
class Card:
    id: uuid.UUID
    job_id: uuid.UUID
    candidate_id: uuid.UUID
    assessment_id: uuid.UUID
    status: str
    missing: tuple[str, ...]
    failure_reason: str
    overall_score: float | None
    assessment_title: str
    candidate_name: str
    candidate_email: str
    stage: str
    video_enabled: bool
    invited_at: dt.datetime | None
    completed_at: dt.datetime | None
    expires_at: dt.datetime | None
    updated_at: dt.datetime
    erased: bool = False  # the candidate's personal data was erased: nothing more will come
    interview_link: str = ""
    email_status: str = ""  # of the newest invite or reminder email: "not_sent", "failed", ...
    provider_stage: str = ""  # the pipeline stage the provider last reported, if any
    provider: str = "ribbon"
    unavailable: tuple[str, ...] = ()  # expected once, no longer awaited (app/invitations/waits.py)
    video_due_at: dt.datetime | None = None  # until when a missing video is awaited
    results_due_at: dt.datetime | None = None  # likewise the rest
    attempt: int = 1  # re-invites count up (app/invitations/renewal.py)

    @property
    def waiting(self) -> bool:
        """Still moving: more is to come (an erased candidate's invitation waits for nothing)."""
        return self.status in WAITING and not self.erased

    @property
    def status_label(self) -> str:
        return InvitationStatus(self.status).label

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def extendable(self) -> bool:
        return self.status in EXTENDABLE and not self.erased

    @property
    def reinvitable(self) -> bool:
        """Cancelled or expired (a failed one offers Retry): a new attempt can start."""
        return self.status in REINVITE_ON_CARD and not self.erased

    @property
    def late_results(self) -> bool:
        """The candidate took the interview after it was cancelled."""
        return self.status == InvitationStatus.CANCELLED and self.completed_at is not None

    @property
    def email_not_sent(self) -> bool:
        """The newest invite or reminder email did not go out: the link must be shared another way."""
        return self.email_status in (EmailStatus.NOT_SENT, EmailStatus.FAILED)

    @property
    def missing_labels(self) -> list[str]:
        """What a Partial card is waiting for, in words ("video processing", "score: skills")."""
        return [MISSING_LABELS.get(m, m) for m in self.missing]

    @property
    def unavailable_labels(self) -> list[str]:
        """What will not come, in the provider adapter's words ("no video recorded")."""
        adapter = webhook_adapter(self.provider)
        return [adapter.unavailable_label(u) for u in self.unavailable]

    def due_at(self, item: str) -> dt.datetime | None:
        """Until when a missing item is awaited (None until the wait job has seen the card)."""
        media = webhook_adapter(self.provider).is_media(item)
        return self.video_due_at if media else self.results_due_at

    @property
    def expected(self) -> list[tuple[str, str, dt.datetime | None]]:
        """(item, label, awaited until) of what a Partial card is waiting for."""
        return [(m, MISSING_LABELS.get(m, m), self.due_at(m)) for m in self.missing]


def heading(raw: object) -> str:
    """A card heading from a query or form value; anything else is the default."""
    return raw if isinstance(raw, str) and raw in HEADINGS else HEADINGS[0]


def candidate_name(first: str | None, last: str | None, email: str | None, erased: Any) -> str:
    if erased is not None:
        return "Erased candidate"
    name = f"{first or ''} {last or ''}".strip()
    return name or (email or "Unnamed candidate")


def _missing(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = json.loads(raw or "[]")
    return tuple(str(m) for m in raw or ())


def card_from_row(row: Any) -> Card:
    return Card(
        id=row["id"],
        job_id=row["job_id"],
        candidate_id=row["candidate_id"],
        assessment_id=row["assessment_id"],
        status=row["status"],
        missing=_missing(row["missing"]),
        failure_reason=row["failure_reason"] or "",
        overall_score=None if row["overall_score"] is None else float(row["overall_score"]),
        assessment_title=row["assessment_title"],
        candidate_name=candidate_name(
            row["first_name"], row["last_name"], row["email"], row["erased_at"]
        ),
        candidate_email="" if row["erased_at"] is not None else row["email"],
        stage=row["stage"],
        video_enabled=bool(row["video_enabled"]),
        invited_at=row["invited_at"],
        completed_at=row["completed_at"],
        expires_at=row["expires_at"],
        updated_at=row["updated_at"],
        erased=row["erased_at"] is not None,
        interview_link=row["interview_link"] or "",
        email_status=row.get("email_status") or "",
        provider_stage=row.get("provider_stage") or "",
        provider=row.get("provider") or "ribbon",
        unavailable=_missing(row.get("unavailable")),
        video_due_at=row.get("video_due_at"),
        results_due_at=row.get("results_due_at"),
        attempt=row.get("attempt") or 1,
    )


async def card_for(organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> Card | None:
    """One card, or None when the invitation is not this organisation's."""
    row = await db.fetchrow(
        CARD_SQL + " WHERE i.id = $1 AND i.organisation_id = $2", invitation_id, organisation_id
    )
    return card_from_row(row) if row else None


async def cards_for_assessment(organisation_id: uuid.UUID, assessment_id: uuid.UUID) -> list[Card]:
    """An assessment's cards, oldest invitation first."""
    rows = await db.fetch(
        CARD_SQL + " WHERE i.assessment_id = $1 AND i.organisation_id = $2 ORDER BY i.created_at",
        assessment_id,
        organisation_id,
    )
    return [card_from_row(r) for r in rows]


async def cards_for_candidate(organisation_id: uuid.UUID, candidate_id: uuid.UUID) -> list[Card]:
    """A candidate's cards across jobs, newest invitation first."""
    rows = await db.fetch(
        CARD_SQL
        + " WHERE i.candidate_id = $1 AND i.organisation_id = $2 ORDER BY i.created_at DESC",
        candidate_id,
        organisation_id,
    )
    return [card_from_row(r) for r in rows]


async def recent_results(organisation_id: uuid.UUID, limit: int) -> list[Card]:
    """The cards whose results came in last (partial or complete), newest first."""
    rows = await db.fetch(
        CARD_SQL
        + """ WHERE i.organisation_id = $1 AND i.status IN ('partial', 'complete')
            ORDER BY i.completed_at DESC NULLS LAST LIMIT $2""",
        organisation_id,
        limit,
    )
    return [card_from_row(r) for r in rows]


async def cards_for_applications(
    organisation_id: uuid.UUID, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Card]]:
    """Cards of a page of applications (one query), by application id, in assessment order."""
    rows = await db.fetch(
        CARD_SQL
        + """ WHERE i.organisation_id = $1 AND i.application_id = ANY($2::uuid[])
            ORDER BY a.created_at, i.created_at""",
        organisation_id,
        application_ids,
    )
    out: dict[uuid.UUID, list[Card]] = {}
    for row in rows:
        out.setdefault(row["application_id"], []).append(card_from_row(row))
    return out


async def changed_since(
    organisation_id: uuid.UUID, job_id: uuid.UUID, since: dt.datetime, limit: int
) -> list[uuid.UUID]:
    """Invitations of the job touched after `since` (their row, result or timeline), newest
    first, at most `limit`: what a reconnecting stream must re-announce."""
    rows = await db.fetch(
        """SELECT id FROM (
             SELECT i.id, i.updated_at AS at FROM invitation i
               WHERE i.organisation_id = $1 AND i.job_id = $2 AND i.updated_at > $3
             UNION ALL
             SELECT r.invitation_id, r.updated_at FROM assessment_result r
               JOIN invitation i ON i.id = r.invitation_id
               WHERE r.organisation_id = $1 AND i.job_id = $2 AND r.updated_at > $3
             UNION ALL
             SELECT e.invitation_id, e.at FROM invitation_event e
               JOIN invitation i ON i.id = e.invitation_id
               WHERE e.organisation_id = $1 AND i.job_id = $2 AND e.at > $3
           ) touched GROUP BY id ORDER BY max(at) DESC LIMIT $4""",
        organisation_id,
        job_id,
        since,
        limit,
    )
    return [r["id"] for r in rows]

"""The job page's window of candidates: one page of a job's applications (searched and filtered),
its invitation cards in one query and the header's counts from aggregates, so the page costs
the same few queries for 20 or 20,000 candidates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from app import db
from app.candidates.stages import Stage
from app.invitations.cards import Card, cards_for_applications
from app.invitations.statuses import InvitationStatus
from app.text import clean

PAGE_SIZE = 50
MAX_SEARCH = 100
NOT_INVITED = "not_invited"  # missing an invitation to at least one active assessment


@dataclass(frozen=True)
class Window:
    """What the recruiter asked to see; anything unknown falls back to "everything"."""

    q: str = ""
    stage: str = ""
    status: str = ""
    page: int = 1

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.stage or self.status)

    def query(self, **changes: Any) -> dict[str, str]:
        """The window as query parameters (page 1 and empty filters left out), for links."""
        values = {"q": self.q, "stage": self.stage, "status": self.status, "page": self.page}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v and not (k == "page" and v == 1)}


def clean_window(q: str | None, stage: str | None, status: str | None, page: int) -> Window:
    return Window(
        q=clean(q, "words", MAX_SEARCH),
        stage=stage if stage in Stage.values() else "",
        status=status if status in (NOT_INVITED, *InvitationStatus.values()) else "",
        page=min(max(page, 1), 1_000_000),
    )


@dataclass
class CandidatePage:
    window: Window
    rows: list[dict[str, Any]]
    total: int  # candidates matching the filters
    candidates: int  # candidates in the job
    stage_counts: dict[str, int] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)  # candidates, by status
    cards: dict[tuple[uuid.UUID, uuid.UUID], Card] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        return (self.window.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(window: Window) -> tuple[str, list[Any]]:
    """Fixed SQL fragments chosen by the window; user text only ever travels as a parameter.
    $1 is the job, $2 the organisation."""
    clauses = ["ap.job_id = $1", "ap.organisation_id = $2"]
    params: list[Any] = []
    if window.q:
        params.append(_like(window.q))
        n = len(params) + 2
        clauses.append(f"(c.email ILIKE ${n} OR (c.first_name || ' ' || c.last_name) ILIKE ${n})")
    if window.stage:
        params.append(window.stage)
        clauses.append(f"ap.stage = ${len(params) + 2}")
    if window.status == NOT_INVITED:
        clauses.append(
            """c.erased_at IS NULL AND EXISTS (
                 SELECT 1 FROM assessment a WHERE a.job_id = ap.job_id AND a.status = 'active'
                 AND NOT EXISTS (SELECT 1 FROM invitation i
                                 WHERE i.assessment_id = a.id AND i.candidate_id = ap.candidate_id))"""
        )
    elif window.status:
        params.append(window.status)
        clauses.append(
            f"""EXISTS (SELECT 1 FROM invitation i
                        WHERE i.application_id = ap.id AND i.status = ${len(params) + 2})"""
        )
    return " AND ".join(clauses), params


_FROM = "FROM application ap JOIN candidate c ON c.id = ap.candidate_id"


async def _counts(organisation_id: uuid.UUID, job_id: uuid.UUID) -> tuple[dict[str, int], ...]:
    """Candidates by stage, and candidates with an invitation in each status (one query)."""
    row = await db.fetchrow(
        """SELECT
             (SELECT coalesce(jsonb_object_agg(stage, n), '{}'::jsonb) FROM
                (SELECT stage, count(*) AS n FROM application
                 WHERE job_id = $1 AND organisation_id = $2 GROUP BY stage) s) AS stages,
             (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb) FROM
                (SELECT status, count(*) AS n FROM
                   -- Hashing (status, application) pairs is cheaper than count(DISTINCT),
                   -- which sorts every invitation of the job.
                   (SELECT status, application_id FROM invitation
                    WHERE job_id = $1 AND organisation_id = $2
                    GROUP BY status, application_id) pairs
                 GROUP BY status) s) AS statuses""",
        job_id,
        organisation_id,
    )
    assert row is not None
    return tuple({k: int(v) for k, v in raw.items()} for raw in (row["stages"], row["statuses"]))


async def candidate_page(
    organisation_id: uuid.UUID, job_id: uuid.UUID, window: Window
) -> CandidatePage:
    """One page of the job's candidates, newest first, with their cards. The caller has
    checked that the job is the organisation's."""
    stage_counts, status_counts = await _counts(organisation_id, job_id)
    candidates = sum(stage_counts.values())
    where, params = _where(window)
    if window.filtered:
        total = await db.fetchval(
            f"SELECT count(*) {_FROM} WHERE {where}", job_id, organisation_id, *params
        )
    else:
        total = candidates
    pages = max(1, -(-total // PAGE_SIZE))
    if window.page > pages:  # a page that no longer exists shows the last one
        window = Window(window.q, window.stage, window.status, pages)
    rows = await db.fetch(
        f"""SELECT c.id, c.email, c.first_name, c.last_name, c.erased_at,
                   ap.id AS application_id, ap.stage, ap.created_at AS applied_at
            {_FROM} WHERE {where}
            ORDER BY ap.created_at DESC, ap.id DESC
            LIMIT {PAGE_SIZE} OFFSET {(window.page - 1) * PAGE_SIZE}""",
        job_id,
        organisation_id,
        *params,
    )
    by_application = await cards_for_applications(
        organisation_id, [r["application_id"] for r in rows]
    )
    cards = {
        (card.assessment_id, card.candidate_id): card
        for page_cards in by_application.values()
        for card in page_cards
    }
    return CandidatePage(
        window=window,
        rows=[dict(r) for r in rows],
        total=total,
        candidates=candidates,
        stage_counts=stage_counts,
        status_counts=status_counts,
        cards=cards,
    )

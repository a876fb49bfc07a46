"""Review and decide: a reviewer's own ratings per dimension (the provider's score dimensions for
the assessment) and notes, and decisions (advance, hold, reject) that keep a copy of the AI
output the decider had on screen.

Blind-first review (an assessment setting): until a reviewer has submitted their own ratings,
`panel` gives them neither the AI scores and summary nor colleagues' ratings, notes and
decisions, and they cannot decide. Human ratings are never combined with the AI's."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from app import db
from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.candidates.service import move_stage
from app.candidates.stages import Stage
from app.errors import Conflict, Invalid, NotFound
from app.invitations.result_view import humanise, score_keys
from app.reviews.statuses import DecisionOutcome
from app.text import clean

RATING_MIN, RATING_MAX = 1, 5
MAX_NOTES = 5000
MAX_REASON = 2000
SHOWN_ON_COMPARE = "compare view"
MAX_PAGE = 100_000  # of the trail's pages: a bigger offset is refused, not run


def day_end(day: dt.date | None) -> dt.datetime | None:
    """The instant a day (UTC) ends; None for no day, or for the last day there is."""
    if day is None or day >= dt.date.max:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


@dataclass(frozen=True)
class AiOutput:
    """What the AI said, as a reviewer is shown it: reported scores and the summary."""

    scores: list[dict[str, Any]]
    summary: str | None
    result_updated_at: dt.datetime | None

    @property
    def version(self) -> str:
        """A digest of exactly what is shown: the same output, the same version."""
        shown = json.dumps({"scores": self.scores, "summary": self.summary}, sort_keys=True)
        return hashlib.sha256(shown.encode()).hexdigest()[:16]

    def snapshot(self) -> dict[str, Any]:
        at = self.result_updated_at
        return {
            "scores": self.scores,
            "summary": self.summary,
            "result_updated_at": at.isoformat() if at else None,
        }


@dataclass(frozen=True)
class ReviewEntry:
    reviewer_id: uuid.UUID
    reviewer: str
    ratings: dict[str, int]
    notes: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class DecisionEntry:
    id: uuid.UUID
    invitation_id: uuid.UUID
    candidate_id: uuid.UUID
    job_id: uuid.UUID
    decided_by: str
    outcome: DecisionOutcome
    reason: str
    stage_moved_to: str
    ai_shown: bool
    ai_output: dict[str, Any]
    ai_version: str
    decided_at: dt.datetime
    redacted: bool


@dataclass(frozen=True)
class Panel:
    """Everything one reviewer may see of one invitation's reviews."""

    invitation_id: uuid.UUID
    candidate_id: uuid.UUID
    job_id: uuid.UUID
    stage: str
    blind: bool
    withheld: bool  # blind-first and this reviewer has not rated yet
    dimensions: list[tuple[str, str]]
    mine: ReviewEntry | None
    ai: AiOutput | None  # None: withheld, or no result yet
    others: list[ReviewEntry] = field(default_factory=list)
    decisions: list[DecisionEntry] = field(default_factory=list)

    @property
    def advance_to(self) -> str | None:
        return next_stage(self.stage)


def next_stage(stage: str) -> str | None:
    """Where "advance" moves an application: the next pipeline stage before the ends."""
    order = [s for s in Stage if s not in (Stage.REJECTED,)]
    values = [s.value for s in order]
    if stage not in values or values.index(stage) + 1 >= len(values):
        return None
    return values[values.index(stage) + 1]


def stage_for(outcome: DecisionOutcome, stage: str) -> str | None:
    if outcome is DecisionOutcome.ADVANCE:
        return next_stage(stage)
    if outcome is DecisionOutcome.REJECT and stage != Stage.REJECTED:
        return Stage.REJECTED.value
    return None


_INVITATION_SQL = """
    SELECT i.id, i.candidate_id, i.job_id, i.provider, a.blind_review, ap.stage,
           r.invitation_id AS result_id, r.provider_status, r.scores, r.summary, r.updated_at
    FROM invitation i
    JOIN assessment a ON a.id = i.assessment_id
    JOIN application ap ON ap.id = i.application_id
    LEFT JOIN assessment_result r ON r.invitation_id = i.id
    WHERE i.organisation_id = $1 AND i.id = ANY($2::uuid[])
"""


def _ai(row: Any) -> AiOutput | None:
    if row["result_id"] is None:
        return None
    scores = []
    for key, score in sorted((row["scores"] or {}).items()):
        if isinstance(score, dict) and score.get("value") is not None:
            scale = score.get("scale")
            scores.append(
                {
                    "key": key,
                    "label": score.get("label") or humanise(key),
                    "value": float(score["value"]),
                    "scale": None if scale is None else float(scale),
                }
            )
    if not scores and not row["summary"]:
        return None
    return AiOutput(scores, row["summary"], row["updated_at"])


def dimensions(row: Any) -> list[tuple[str, str]]:
    """The provider's score dimensions for this assessment: the ones its adapter expects, then
    any other the result reports (language scores, say), each with the provider's label."""
    expected, _ = score_keys(row["provider"])
    stored = row["scores"] or {}
    keys = [*expected, *sorted(k for k in stored if k not in expected)]

    def label(key: str) -> str:
        score = stored.get(key)
        return (
            str(score.get("label") or humanise(key)) if isinstance(score, dict) else humanise(key)
        )

    return [(k, label(k)) for k in keys]


async def _reviews(org: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReviewEntry]]:
    rows = await db.fetch(
        """SELECT v.invitation_id, v.reviewer_id, v.ratings, v.notes, v.updated_at,
                  coalesce(nullif(u.name, ''), u.email) AS reviewer
           FROM review v JOIN app_user u ON u.id = v.reviewer_id
           WHERE v.organisation_id = $1 AND v.invitation_id = ANY($2::uuid[])
           ORDER BY v.updated_at DESC""",
        org,
        ids,
    )
    out: dict[uuid.UUID, list[ReviewEntry]] = {}
    for r in rows:
        ratings = {str(k): int(v) for k, v in (r["ratings"] or {}).items()}
        out.setdefault(r["invitation_id"], []).append(
            ReviewEntry(r["reviewer_id"], r["reviewer"], ratings, r["notes"], r["updated_at"])
        )
    return out


def _decision(r: Any) -> DecisionEntry:
    return DecisionEntry(
        id=r["id"],
        invitation_id=r["invitation_id"],
        candidate_id=r["candidate_id"],
        job_id=r["job_id"],
        decided_by=r["decided_by_label"],
        outcome=DecisionOutcome(r["outcome"]),
        reason=r["reason"],
        stage_moved_to=r["stage_moved_to"],
        ai_shown=r["ai_shown"],
        ai_output=r["ai_output"] or {},
        ai_version=r["ai_version"],
        decided_at=r["decided_at"],
        redacted=r["redacted_at"] is not None,
    )


_DECISION_COLUMNS = """id, invitation_id, candidate_id, job_id, decided_by_label, outcome, reason,
    stage_moved_to, ai_shown, ai_output, ai_version, decided_at, redacted_at"""


async def decisions_of(
    org: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[DecisionEntry]]:
    rows = await db.fetch(
        f"""SELECT {_DECISION_COLUMNS} FROM decision
            WHERE organisation_id = $1 AND invitation_id = ANY($2::uuid[])
            ORDER BY decided_at DESC, id DESC""",
        org,
        ids,
    )
    out: dict[uuid.UUID, list[DecisionEntry]] = {}
    for r in rows:
        out.setdefault(r["invitation_id"], []).append(_decision(r))
    return out


async def panels(
    org: uuid.UUID, reviewer_id: uuid.UUID, invitation_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Panel]:
    """The review panel of each invitation that has a result, as `reviewer_id` may see it."""
    rows = await db.fetch(_INVITATION_SQL, org, invitation_ids)
    rows = [r for r in rows if r["result_id"] is not None]
    ids = [r["id"] for r in rows]
    reviews = await _reviews(org, ids)
    decisions = await decisions_of(org, ids)
    out = {}
    for row in rows:
        everyone = reviews.get(row["id"], [])
        mine = next((v for v in everyone if v.reviewer_id == reviewer_id), None)
        withheld = bool(row["blind_review"]) and mine is None
        out[row["id"]] = Panel(
            invitation_id=row["id"],
            candidate_id=row["candidate_id"],
            job_id=row["job_id"],
            stage=row["stage"],
            blind=bool(row["blind_review"]),
            withheld=withheld,
            dimensions=dimensions(row),
            mine=mine,
            ai=None if withheld else _ai(row),
            others=[] if withheld else [v for v in everyone if v.reviewer_id != reviewer_id],
            decisions=[] if withheld else decisions.get(row["id"], []),
        )
    return out


async def panel(org: uuid.UUID, reviewer_id: uuid.UUID, invitation_id: uuid.UUID) -> Panel:
    found = (await panels(org, reviewer_id, [invitation_id])).get(invitation_id)
    if found is None:
        if await db.fetchval(
            "SELECT 1 FROM invitation WHERE id = $1 AND organisation_id = $2",
            invitation_id,
            org,
        ):
            raise Conflict("This invitation has no results to review yet.")
        raise NotFound("No such invitation.")
    return found


def clean_ratings(raw: dict[str, Any], allowed: list[tuple[str, str]]) -> dict[str, int]:
    """Ratings by dimension key, each a whole number 1-5; blanks are left out (pure)."""
    keys = {k for k, _ in allowed}
    ratings: dict[str, int] = {}
    for key, value in raw.items():
        text = str(value if value is not None else "").strip()
        if not text:
            continue
        if key not in keys:
            raise Invalid(f"“{clean(key, limit=40)}” is not a dimension of this assessment.")
        if not (text.isascii() and text.isdigit()) or not RATING_MIN <= int(text) <= RATING_MAX:
            raise Invalid(f"Rate {dict(allowed)[key]} with a whole number from 1 to 5.")
        ratings[key] = int(text)
    if not ratings:
        raise Invalid("Rate at least one dimension from 1 to 5.")
    return ratings


async def save_review(
    user: CurrentUser,
    invitation_id: uuid.UUID,
    raw_ratings: dict[str, Any],
    notes: str,
    ip: str = "",
) -> Panel:
    """Record (or replace) the user's own ratings and notes; returns the panel they now see."""
    org = user.organisation_id
    async with db.transaction():
        current = await panel(org, user.id, invitation_id)
        ratings = clean_ratings(raw_ratings, current.dimensions)
        text = clean(notes, "lines")
        if len(text) > MAX_NOTES:
            raise Invalid(f"Notes can be at most {MAX_NOTES:,} characters.")
        await db.fetch(
            """INSERT INTO review (organisation_id, invitation_id, reviewer_id, ratings, notes)
               VALUES ($1, $2, $3, $4::jsonb, $5)
               ON CONFLICT (invitation_id, reviewer_id) DO UPDATE
                 SET ratings = EXCLUDED.ratings, notes = EXCLUDED.notes, updated_at = now()""",
            org,
            invitation_id,
            user.id,
            ratings,
            text,
        )
        await record_audit(
            user,
            "review_saved",
            "invitation",
            str(invitation_id),
            {"ratings": ratings, "first": current.mine is None},
            ip=ip,
        )
        return await panel(org, user.id, invitation_id)


async def record_decision(
    user: CurrentUser,
    invitation_id: uuid.UUID,
    outcome: str,
    reason: str,
    move: bool = False,
    shown_version: str | None = None,
    ip: str = "",
    shown_on: str = "candidate page",
    move_where_possible: bool = False,
) -> DecisionEntry:
    """A new entry in the trail (earlier ones stay as they were), with a copy of the AI output
    the decider sees. `shown_version`: the AI output's version on the decider's screen; if the
    output has changed since, nothing is recorded and the decider is asked to look again.
    `move`: also move the application to the stage the outcome leads to. `shown_on`: where
    the decider saw the AI output; the compare view shows scores, not the summary.
    `move_where_possible`: with `move`, leave the stage alone where the outcome leads nowhere
    (bulk decisions) instead of refusing."""
    org = user.organisation_id
    if outcome not in DecisionOutcome.values():
        raise Invalid("Decide one of: advance, hold or reject.")
    decided = DecisionOutcome(outcome)
    text = clean(reason, "lines")
    if decided is DecisionOutcome.REJECT and not text:
        raise Invalid("Give a reason for rejecting.")
    if len(text) > MAX_REASON:
        raise Invalid(f"The reason can be at most {MAX_REASON:,} characters.")
    async with db.transaction():
        # Locked so that a result merged meanwhile waits for the decision, or comes before it.
        await db.fetch(
            "SELECT 1 FROM invitation WHERE id = $1 AND organisation_id = $2 FOR SHARE",
            invitation_id,
            org,
        )
        current = await panel(org, user.id, invitation_id)
        if current.withheld:
            raise Conflict(
                "This assessment is reviewed blind-first: submit your own ratings before deciding."
            )
        ai = current.ai
        if ai and shown_on == SHOWN_ON_COMPARE:
            ai = replace(ai, summary=None)
        version = ai.version if ai else ""
        if shown_version is not None and shown_version != version:
            raise Conflict(
                "The AI results changed since this page was loaded: look at them again, then "
                "decide."
            )
        target = stage_for(decided, current.stage) if move else None
        if move and target is None and not move_where_possible:
            raise Invalid(f"A decision to {decided.value} does not move this candidate's stage.")
        row = await db.fetchrow(
            f"""INSERT INTO decision (organisation_id, invitation_id, candidate_id, job_id,
                    decided_by, decided_by_label, outcome, reason, stage_moved_to, ai_shown,
                    ai_output, ai_version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12)
                RETURNING {_DECISION_COLUMNS}""",
            org,
            invitation_id,
            current.candidate_id,
            current.job_id,
            user.id,
            user.label,
            decided.value,
            text,
            target or "",
            ai is not None,
            {**ai.snapshot(), "shown_on": shown_on} if ai else {"shown_on": shown_on},
            version,
        )
        if target:
            await move_stage(org, current.job_id, current.candidate_id, target)
        await record_audit(
            user,
            "decision_recorded",
            "invitation",
            str(invitation_id),
            {
                "outcome": decided.value,
                "stage": target or "",
                "ai_version": version,
                "shown_on": shown_on,
            },
            ip=ip,
        )
    return _decision(row)


async def trail(
    org: uuid.UUID,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    before: tuple[dt.datetime, uuid.UUID] | None = None,
) -> list[DecisionEntry]:
    """The organisation's decisions, newest first, decided in [since, until); `before`: only
    those after this (decided_at, id) in that order (an export's next batch)."""
    rows = await db.fetch(
        f"""SELECT {_DECISION_COLUMNS} FROM decision
            WHERE organisation_id = $1
              AND ($2::timestamptz IS NULL OR decided_at >= $2)
              AND ($3::timestamptz IS NULL OR decided_at < $3)
              AND ($6::timestamptz IS NULL OR (decided_at, id) < ($6, $7::uuid))
            ORDER BY decided_at DESC, id DESC LIMIT $4 OFFSET $5""",
        org,
        since,
        until,
        limit,
        offset,
        before[0] if before else None,
        before[1] if before else None,
    )
    return [_decision(r) for r in rows]

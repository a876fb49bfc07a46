"""What the candidate page shows of each invitation's result: scores with their scales (missing
and not-reported ones named, never drawn as 0), the summary, the transcript grouped by
question, media, and the timeline. Loaded for all of a candidate's invitations in 2 queries."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from app import db
from app.invitations.cards import CARD_COLUMNS, CARD_JOINS, Card, card_from_row
from app.invitations.statuses import InvitationStatus
from app.providers.base import InterviewResult, InterviewStatus
from app.providers.registry import webhook_adapter

# No interview took place: no video will come.
NEVER_INTERVIEWED = (InvitationStatus.FAILED, InvitationStatus.EXPIRED)


@dataclass(frozen=True)
class ScoreRow:
    key: str
    label: str
    value: float | None
    scale: float | None
    state: str  # "reported", "missing" (expected, not in), "not_reported" (optional, absent)

    @property
    def fraction(self) -> float:
        if self.value is None or not self.scale:
            return 0.0
        return min(max(self.value / self.scale, 0.0), 1.0)


@dataclass(frozen=True)
class Line:
    role: str
    text: str
    start: float | None


@dataclass(frozen=True)
class QuestionBlock:
    number: int | None  # None: talk outside the scripted questions
    question: str
    start: float | None
    end: float | None
    lines: list[Line]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    message: str
    actor: str
    delivery_id: uuid.UUID | None


@dataclass(frozen=True)
class ResultView:
    card: Card
    has_result: bool
    summary: str | None = None
    scores: list[ScoreRow] = field(default_factory=list)
    questions: list[QuestionBlock] = field(default_factory=list)
    audio_url: str | None = None
    video_url: str | None = None
    video_expected: bool = False
    problems: list[str] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.card.id


def humanise(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def score_keys(provider: str) -> tuple[list[str], list[str]]:
    """The provider's expected and optional score keys, asked in our own terms: what it would
    call missing, or not reported, of a completed result that has no scores at all."""
    try:
        adapter = webhook_adapter(provider)
    except KeyError:
        return [], []
    empty = InterviewResult(provider, "", None, InterviewStatus.COMPLETED)
    expected = [m[7:] for m in adapter.missing(empty, False) if m.startswith("score: ")]
    optional = [m[7:] for m in adapter.not_reported(empty) if m.startswith("score: ")]
    return expected, optional


def score_rows(stored: dict[str, Any], provider: str, completed: bool) -> list[ScoreRow]:
    expected, optional = score_keys(provider)
    rows = []
    for key in [*expected, *optional, *sorted(k for k in stored if k not in expected + optional)]:
        score = stored.get(key)
        if isinstance(score, dict) and score.get("value") is not None:
            scale = score.get("scale")
            rows.append(
                ScoreRow(
                    key,
                    score.get("label") or humanise(key),
                    float(score["value"]),
                    None if scale is None else float(scale),
                    "reported",
                )
            )
        elif completed:
            state = "not_reported" if key in optional else "missing"
            rows.append(ScoreRow(key, humanise(key), None, None, state))
    return rows


def question_blocks(transcript: list[Any], mapping: list[Any]) -> list[QuestionBlock]:
    lines = [
        Line(str(s.get("role") or "unknown"), str(s.get("text") or ""), s.get("start"))
        for s in transcript
        if isinstance(s, dict)
    ]
    blocks, used = [], set()
    for number, q in enumerate((m for m in mapping if isinstance(m, dict)), start=1):
        indices = [i for i in q.get("segment_indices") or [] if isinstance(i, int)]
        used.update(indices)
        blocks.append(
            QuestionBlock(
                number,
                str(q.get("question") or f"Question {number}"),
                q.get("start"),
                q.get("end"),
                [lines[i] for i in indices if 0 <= i < len(lines)],
            )
        )
    rest = [line for i, line in enumerate(lines) if i not in used]
    if rest:
        title = "Other conversation" if blocks else "Transcript"
        blocks.append(QuestionBlock(None, title, rest[0].start, None, rest))
    return blocks


def _view(row: Any, events: list[TimelineEntry]) -> ResultView:
    card = card_from_row(row)
    has_result = row["result_id"] is not None
    expects_video = bool(row["video_enabled"]) and card.status not in NEVER_INTERVIEWED
    if not has_result:
        return ResultView(card, False, video_expected=expects_video, timeline=events)
    completed = row["provider_status"] == InterviewStatus.COMPLETED.value
    return ResultView(
        card=card,
        has_result=True,
        summary=row["summary"],
        scores=score_rows(row["scores"] or {}, row["provider"], completed),
        questions=question_blocks(row["transcript"] or [], row["question_mapping"] or []),
        audio_url=_safe_url(row["audio_url"]),
        video_url=_safe_url(row["video_url"]),
        video_expected=expects_video,
        problems=[str(p) for p in row["problems"] or []],
        timeline=events,
    )


def _safe_url(url: str | None) -> str | None:
    """Media URLs come from the provider: only http(s) reaches a src attribute."""
    return url if url and url.startswith(("https://", "http://")) else None


RESULT_SQL = f"""
    SELECT {CARD_COLUMNS}, r.invitation_id AS result_id, r.provider_status,
           r.summary, r.scores, r.transcript, r.question_mapping, r.audio_url, r.video_url,
           r.problems
    {CARD_JOINS}
    LEFT JOIN assessment_result r ON r.invitation_id = i.id
"""


async def _timelines(
    organisation_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[TimelineEntry]]:
    rows = await db.fetch(
        """SELECT e.invitation_id, e.at, e.kind, e.message, e.delivery_id,
                  coalesce(nullif(u.name, ''), u.email, '') AS actor
           FROM invitation_event e LEFT JOIN app_user u ON u.id = e.actor_user_id
           WHERE e.organisation_id = $1 AND e.invitation_id = ANY($2::uuid[])
           ORDER BY e.id DESC""",
        organisation_id,
        ids,
    )
    out: dict[uuid.UUID, list[TimelineEntry]] = {}
    for r in rows:
        out.setdefault(r["invitation_id"], []).append(
            TimelineEntry(r["at"], r["kind"], r["message"], r["actor"], r["delivery_id"])
        )
    return out


async def results_for_candidate(
    organisation_id: uuid.UUID, candidate_id: uuid.UUID
) -> dict[uuid.UUID, ResultView]:
    """Every invitation of the candidate with its result, by invitation id (newest first)."""
    rows = await db.fetch(
        RESULT_SQL + " WHERE i.organisation_id = $1 AND i.candidate_id = $2"
        " ORDER BY i.created_at DESC",
        organisation_id,
        candidate_id,
    )
    events = await _timelines(organisation_id, [r["id"] for r in rows])
    return {r["id"]: _view(r, events.get(r["id"], [])) for r in rows}


async def result_for(organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> ResultView | None:
    row = await db.fetchrow(
        RESULT_SQL + " WHERE i.organisation_id = $1 AND i.id = $2", organisation_id, invitation_id
    )
    if row is None:
        return None
    events = await _timelines(organisation_id, [invitation_id])
    return _view(row, events.get(invitation_id, []))

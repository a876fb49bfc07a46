"""The stored form of a merged result (the assessment_result row) and back, in our own model.

Scores are kept as {key: {"key", "value", "scale", "label"}}, transcript segments as
[{"role", "text", "start", "end"}], the question mapping as
[{"question", "segment_indices", "start", "end"}]."""

from __future__ import annotations

from typing import Any

import msgspec

from app.providers.base import (
    InterviewResult,
    InterviewStatus,
    QuestionSegment,
    Score,
    SegmentRole,
    TranscriptSegment,
)


def _status(value: str) -> InterviewStatus:
    try:
        return InterviewStatus(value)
    except ValueError:
        return InterviewStatus.UNKNOWN


def _role(value: Any) -> SegmentRole:
    try:
        return SegmentRole(value)
    except ValueError:
        return SegmentRole.UNKNOWN


def from_row(row: Any, provider: str, interview_id: str) -> InterviewResult:
    scores = row["scores"] or {}
    return InterviewResult(
        provider=provider,
        interview_id=interview_id,
        flow_id=None,
        status=_status(row["provider_status"]),
        scores={
            key: Score(key=key, value=s["value"], scale=s.get("scale"), label=s.get("label", ""))
            for key, s in scores.items()
        },
        summary=row["summary"],
        transcript=tuple(
            TranscriptSegment(_role(t.get("role")), t.get("text", ""), t.get("start"), t.get("end"))
            for t in row["transcript"] or []
        ),
        questions=tuple(
            QuestionSegment(
                q.get("question", ""),
                tuple(q.get("segment_indices") or ()),
                q.get("start"),
                q.get("end"),
            )
            for q in row["question_mapping"] or []
        ),
        audio_url=row["audio_url"],
        video_url=row["video_url"],
        problems=tuple(row["problems"] or ()),
        raw=row["raw_payload"] or {},
    )


def to_columns(result: InterviewResult) -> dict[str, Any]:
    return {
        "provider_status": result.status.value,
        "summary": result.summary,
        "scores": {
            key: {"key": key, "value": s.value, "scale": s.scale, "label": s.label}
            for key, s in sorted(result.scores.items())
        },
        "transcript": [
            {"role": t.role.value, "text": t.text, "start": t.start, "end": t.end}
            for t in result.transcript
        ],
        "question_mapping": [
            {
                "question": q.question,
                "segment_indices": list(q.segment_indices),
                "start": q.start,
                "end": q.end,
            }
            for q in result.questions
        ],
        "audio_url": result.audio_url,
        "video_url": result.video_url,
        "problems": list(result.problems),
        "raw_payload": dict(result.raw),
    }


# Upsert of the stored result, as a CTE of the caller's statement (app/invitations/lifecycle.py):
# {inv} and {org} are the invitation's and organisation's parameters, {p} numbers the nine
# values of `stored_args` from ${p}; nothing is written when the first of them is NULL.
UPSERT_CTE = """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status,
           summary, scores, transcript, question_mapping, audio_url, video_url, problems,
           raw_payload, fetched_at, updated_at)
       SELECT {inv}, {org}, ${p0}::text, ${p1}::text, ${p2}::jsonb, ${p3}::jsonb, ${p4}::jsonb,
              ${p5}::text, ${p6}::text, ${p7}::jsonb, ${p8}::jsonb, now(), now()
       WHERE ${p0}::text IS NOT NULL
       ON CONFLICT (invitation_id) DO UPDATE SET
           provider_status = EXCLUDED.provider_status, summary = EXCLUDED.summary,
           scores = EXCLUDED.scores, transcript = EXCLUDED.transcript,
           question_mapping = EXCLUDED.question_mapping, audio_url = EXCLUDED.audio_url,
           video_url = EXCLUDED.video_url, problems = EXCLUDED.problems,
           raw_payload = EXCLUDED.raw_payload, fetched_at = now(), updated_at = now()"""


def upsert_cte(inv: str, org: str, first: int) -> str:
    return UPSERT_CTE.format(inv=inv, org=org, **{f"p{i}": first + i for i in range(9)})


def stored_args(columns: dict[str, Any] | None) -> list[Any]:
    """The nine values UPSERT_CTE writes (from `to_columns`), or nine NULLs: write nothing."""
    if columns is None:
        return [None] * 9
    # The jsonb values go as JSON text (passed through unchanged by app.db's codec), encoded
    # with msgspec: the stdlib encoder was a tenth of a busy worker's CPU on transcripts and
    # raw payloads. They hold plain JSON values only (the provider's own JSON, our model's).
    return [
        columns["provider_status"],
        columns["summary"],
        _json_text(columns["scores"]),
        _json_text(columns["transcript"]),
        _json_text(columns["question_mapping"]),
        columns["audio_url"],
        columns["video_url"],
        _json_text(columns["problems"]),
        _json_text(columns["raw_payload"]),
    ]


_encoder = msgspec.json.Encoder()


def _json_text(value: Any) -> str:
    return _encoder.encode(value).decode()

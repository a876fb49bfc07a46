"""Pure translation of Ribbon's interview JSON into Hirewire's neutral model.

Nothing here raises on bad input: Ribbon may add, drop, null or retype any field, so each value
is checked where it is read and what cannot be used becomes an entry in `problems`. Explicit
mapping dicts (django-anymail style) say which Ribbon names mean what; anything unknown is
mapped to an explicit UNKNOWN or kept with an unknown scale."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from app.providers.base import (
    Candidate,
    InterviewResult,
    InterviewStatus,
    QuestionSegment,
    Score,
    SegmentRole,
    TranscriptSegment,
)

PROVIDER = "ribbon"

STATUSES: Mapping[str, InterviewStatus] = {
    "completed": InterviewStatus.COMPLETED,
    "incomplete": InterviewStatus.INCOMPLETE,
}

ROLES: Mapping[str, SegmentRole] = {
    "agent": SegmentRole.INTERVIEWER,
    "user": SegmentRole.CANDIDATE,
}

# Plain-text transcript speaker prefixes, used only when no timestamped transcript came.
TEXT_SPEAKERS: Mapping[str, SegmentRole] = {
    "interviewer": SegmentRole.INTERVIEWER,
    "agent": SegmentRole.INTERVIEWER,
    "candidate": SegmentRole.CANDIDATE,
    "user": SegmentRole.CANDIDATE,
}

CORE_SCORES = ("communication", "motivation", "skills")
LANGUAGE_SCORES = (
    "language_vocabulary_and_expression",
    "language_grammar_and_structure",
    "language_fluency_and_pace",
    "language_comprehension",
)

# key -> (label, scale). The three core scores are documented as out of 5; the language
# scores' scale is not documented, so 5 is inferred and the raw value kept as sent.
SCORES: Mapping[str, tuple[str, float]] = {
    "communication": ("Communication", 5.0),
    "motivation": ("Motivation", 5.0),
    "skills": ("Skills", 5.0),
    "language_vocabulary_and_expression": ("Vocabulary and expression", 5.0),
    "language_grammar_and_structure": ("Grammar and structure", 5.0),
    "language_fluency_and_pace": ("Fluency and pace", 5.0),
    "language_comprehension": ("Comprehension", 5.0),
}


def score_label(key: str) -> str:
    known = SCORES.get(key)
    return known[0] if known else key.replace("_", " ").strip().capitalize()


def as_text(value: Any) -> str | None:
    """A non-blank string, stripped; anything else is None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def as_number(value: Any) -> float | None:
    """A finite number (numeric strings too, as APIs drift); booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return as_text(value)


def as_url(value: Any) -> str | None:
    text = as_text(value)
    if text and text.lower().startswith(("http://", "https://")) and len(text) > 8:
        return text
    return None


class _Problems(list[str]):
    def note(self, message: str) -> None:
        if message not in self:
            self.append(message)


def translate_interview(payload: Any, fallback_id: str | None = None) -> InterviewResult:
    """`GET /v1/interviews/{id}` (or one item of the list) as an InterviewResult."""
    problems = _Problems()
    top: Mapping[str, Any] = payload if isinstance(payload, Mapping) else {}
    if not isinstance(payload, Mapping):
        problems.note("the interview is not a JSON object")

    interview_id = as_id(top.get("interview_id"))
    if interview_id is None:
        problems.note("the interview has no usable id")
        interview_id = fallback_id or ""

    status = _status(top.get("status"), problems)
    data_value = top.get("interview_data")
    data: Mapping[str, Any] = data_value if isinstance(data_value, Mapping) else {}
    if data_value is not None and not isinstance(data_value, Mapping):
        problems.note("interview data is not an object")
    elif data_value is None and status is InterviewStatus.COMPLETED:
        problems.note("the interview is completed but carries no interview data")

    transcript, index_map = _transcript(data, problems)
    return InterviewResult(
        provider=PROVIDER,
        interview_id=interview_id,
        flow_id=as_id(top.get("interview_flow_id")),
        status=status,
        candidate=_candidate(data),
        scores=_scores(data.get("scores"), problems),
        summary=_optional_text(data, "summary", problems),
        transcript=transcript,
        questions=_questions(data.get("questions_to_transcript_mapping"), index_map, problems),
        audio_url=_optional_url(data, "audio_url", problems),
        video_url=_optional_url(data, "video_url", problems),
        problems=tuple(problems),
        raw=dict(top) if isinstance(payload, Mapping) else {"value": payload},
    )


def _status(value: Any, problems: _Problems) -> InterviewStatus:
    if isinstance(value, str) and value.strip().lower() in STATUSES:
        return STATUSES[value.strip().lower()]
    problems.note(f"unknown interview status {str(value)[:40]!r}")
    return InterviewStatus.UNKNOWN


def _candidate(data: Mapping[str, Any]) -> Candidate:
    return Candidate(
        email=as_text(data.get("interviewee_email_address")),
        first_name=as_text(data.get("interviewee_first_name")),
        last_name=as_text(data.get("interviewee_last_name")),
    )


def _optional_text(data: Mapping[str, Any], key: str, problems: _Problems) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        problems.note(f"{key} is not text")
    return as_text(value)


def _optional_url(data: Mapping[str, Any], key: str, problems: _Problems) -> str | None:
    value = data.get(key)
    url = as_url(value)
    if value is not None and url is None and value != "":
        problems.note(f"{key} is not a web address")
    return url


def _scores(value: Any, problems: _Problems) -> dict[str, Score]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.note("scores are not an object")
        return {}
    scores: dict[str, Score] = {}
    for raw_key, raw_value in value.items():
        key = str(raw_key)
        if raw_value is None:
            continue  # not reported: absent, never zero
        number = as_number(raw_value)
        if number is None:
            problems.note(f"score {key} is not a number")
            continue
        label, scale = SCORES.get(key, (score_label(key), None))
        if scale is not None and not 0 <= number <= scale:
            # kept in the raw payload, but never ranked or averaged as if it were valid
            problems.note(f"score {key} is {number:g}, outside 0-{scale:g}: not used")
            continue
        scores[key] = Score(key=key, value=number, scale=scale, label=label)
    return scores


def _transcript(
    data: Mapping[str, Any], problems: _Problems
) -> tuple[tuple[TranscriptSegment, ...], dict[int, int]]:
    """Segments, and a map from Ribbon's item index to ours (unusable items are skipped)."""
    items = data.get("transcript_with_timestamp")
    if items is None:
        return _plain_transcript(data.get("transcript"), problems), {}
    if not isinstance(items, list):
        problems.note("the timestamped transcript is not a list")
        return _plain_transcript(data.get("transcript"), problems), {}
    segments: list[TranscriptSegment] = []
    index_map: dict[int, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or as_text(item.get("content")) is None:
            problems.note(f"transcript item {index} has no text")
            continue
        role = item.get("role")
        start, end = _word_times(item.get("words"))
        index_map[index] = len(segments)
        segments.append(
            TranscriptSegment(
                role=ROLES.get(role, SegmentRole.UNKNOWN)
                if isinstance(role, str)
                else SegmentRole.UNKNOWN,
                text=str(item["content"]).strip(),
                start=start,
                end=end,
            )
        )
    return tuple(segments), index_map


def _word_times(words: Any) -> tuple[float | None, float | None]:
    if not isinstance(words, list):
        return None, None
    timed = [w for w in words if isinstance(w, Mapping)]
    starts = [as_number(w.get("start")) for w in timed]
    ends = [as_number(w.get("end")) for w in timed]
    first = next((s for s in starts if s is not None), None)
    last = next((e for e in reversed(ends) if e is not None), None)
    return first, last


def _plain_transcript(text: Any, problems: _Problems) -> tuple[TranscriptSegment, ...]:
    if text is None:
        return ()
    if not isinstance(text, str):
        problems.note("the transcript is not text")
        return ()
    segments = []
    for line in text.splitlines():
        speaker, sep, said = line.partition(":")
        role = TEXT_SPEAKERS.get(speaker.strip().lower()) if sep else None
        if role is None:
            role, said = SegmentRole.UNKNOWN, line
        if said.strip():
            segments.append(TranscriptSegment(role=role, text=said.strip()))
    return tuple(segments)


def _questions(
    value: Any, index_map: Mapping[int, int], problems: _Problems
) -> tuple[QuestionSegment, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.note("the question mapping is not a list")
        return ()
    questions = []
    for position, item in enumerate(value):
        question = as_text(item.get("script_question")) if isinstance(item, Mapping) else None
        if question is None or not isinstance(item, Mapping):
            problems.note(f"question {position + 1} has no text")
            continue
        indices = item.get("transcript_item_indices")
        ours: list[int] = []
        if isinstance(indices, list):
            for index in indices:
                if isinstance(index, int) and not isinstance(index, bool) and index in index_map:
                    ours.append(index_map[index])
        elif indices is not None:
            problems.note(f"question {position + 1}'s transcript indices are not a list")
        questions.append(
            QuestionSegment(
                question=question,
                segment_indices=tuple(ours),
                start=as_number(item.get("start_timestamp")),
                end=as_number(item.get("end_timestamp")),
            )
        )
    return tuple(questions)

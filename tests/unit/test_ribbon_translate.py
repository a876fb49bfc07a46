"""Ribbon JSON -> neutral model: the documented payloads, and anything of that shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.providers.base import InterviewStatus, SegmentRole
from app.providers.ribbon.translate import translate_interview

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "ribbon"


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_bytes())


def test_completed_interview_translates_fully():
    result = translate_interview(load("get_interview_completed.json"))
    assert result.provider == "ribbon"
    assert result.interview_id == "7ada85b2-b8a6-4e4a-84ed-f1c25fa63843"
    assert result.flow_id == "d1a104e7"
    assert result.status is InterviewStatus.COMPLETED
    assert result.candidate.email == "john.doe@example.com"
    assert (result.candidate.first_name, result.candidate.last_name) == ("John", "Doe")
    assert {k: (s.value, s.scale) for k, s in result.scores.items()} == {
        "communication": (4, 5),
        "motivation": (5, 5),
        "skills": (4, 5),
    }
    assert result.scores["skills"].label == "Skills"
    assert result.summary
    assert result.summary.startswith("Clear, structured")
    roles = [s.role for s in result.transcript]
    assert roles == [SegmentRole.INTERVIEWER, SegmentRole.CANDIDATE]
    assert (result.transcript[0].start, result.transcript[0].end) == (0.0, 0.4)
    assert result.transcript[1].start == 4.1
    assert len(result.questions) == 1
    assert result.questions[0].segment_indices == (0, 1)
    assert (result.questions[0].start, result.questions[0].end) == (0.0, 61.5)
    assert result.audio_url == "https://example.com/audio/7ada85b2.mp3"
    assert result.video_url is None
    assert result.problems == ()
    assert result.raw["team_id"] == "3f0c2a9e-1b7d-4c55-9d0e-2a8b6c4d1e90"


def test_a_score_outside_its_scale_is_not_used_and_says_why():
    payload = load("get_interview_completed.json")
    payload["interview_data"]["scores"] = {"skills": -3, "communication": 7.5, "motivation": 5}
    result = translate_interview(payload)
    assert set(result.scores) == {"motivation"}
    assert "score skills is -3, outside 0-5: not used" in result.problems
    assert "score communication is 7.5, outside 0-5: not used" in result.problems
    assert result.raw["interview_data"]["scores"]["skills"] == -3  # the provider's truth is kept


def test_incomplete_interview_has_no_results_and_no_problems():
    result = translate_interview(load("get_interview_incomplete.json"))
    assert result.status is InterviewStatus.INCOMPLETE
    assert result.scores == {}
    assert result.transcript == ()
    assert result.summary is None
    assert result.problems == ()


def test_language_scores_and_unknown_scores_are_kept_with_their_scale():
    payload = load("get_interview_completed.json")
    payload["interview_data"]["scores"].update(
        {"language_comprehension": 3.5, "curiosity": 7, "skills": None}
    )
    result = translate_interview(payload)
    assert "skills" not in result.scores
    assert result.scores["language_comprehension"].scale == 5
    assert result.scores["language_comprehension"].value == 3.5
    assert result.scores["curiosity"].scale is None
    assert result.scores["curiosity"].value == 7


def test_unusable_fields_become_problems_not_exceptions():
    payload = load("get_interview_completed.json")
    data = payload["interview_data"]
    data["scores"]["communication"] = "great"
    data["scores"]["motivation"] = 9
    data["audio_url"] = "ftp://example.com/a.mp3"
    data["summary"] = 12
    data["transcript_with_timestamp"].insert(0, {"role": "agent", "content": None})
    payload["status"] = "processing"
    result = translate_interview(payload)
    assert result.status is InterviewStatus.UNKNOWN
    assert "communication" not in result.scores
    assert "motivation" not in result.scores  # 9 of 5: not used, flagged (the raw keeps it)
    assert result.audio_url is None
    assert result.summary is None
    # The skipped item shifts Ribbon's indices; the mapping still points at the right segments.
    assert result.questions[0].segment_indices == (0,)
    text = " | ".join(result.problems)
    for expected in ("communication", "motivation", "audio_url", "summary", "status"):
        assert expected in text


def test_unknown_role_and_plain_text_transcript_fallback():
    payload = load("get_interview_completed.json")
    data = payload["interview_data"]
    data["transcript_with_timestamp"][0]["role"] = "narrator"
    assert translate_interview(payload).transcript[0].role is SegmentRole.UNKNOWN
    del data["transcript_with_timestamp"]
    segments = translate_interview(payload).transcript
    assert [s.role for s in segments] == [SegmentRole.INTERVIEWER, SegmentRole.CANDIDATE]


def test_not_an_object_at_all():
    values: list[Any] = [None, [], "x", 3]
    for value in values:
        result = translate_interview(value, fallback_id="abc")
        assert result.interview_id == "abc"
        assert result.problems


# Any JSON of the documented shape, with nulls, missing keys, extra keys and wrong types.
json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
any_json = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | any_json


def shaped(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A dict with any subset of the documented keys, plus extra keys, or something else."""
    return maybe(
        st.fixed_dictionaries({}, optional=fields).flatmap(
            lambda d: st.dictionaries(st.text(max_size=5), any_json, max_size=2).map(
                lambda extra: {**extra, **d}
            )
        )
    )


number = maybe(st.floats(allow_nan=True) | st.integers())
word = shaped({"start": number, "end": number, "word": maybe(st.text())})
item = shaped(
    {
        "content": maybe(st.text()),
        "role": maybe(st.sampled_from(["agent", "user"])),
        "words": maybe(st.lists(word, max_size=3)),
    }
)
mapping = shaped(
    {
        "script_question": maybe(st.text()),
        "transcript_item_indices": maybe(st.lists(maybe(st.integers(-2, 5)), max_size=4)),
        "start_timestamp": number,
        "end_timestamp": number,
        "transcript_items": maybe(st.lists(item, max_size=2)),
    }
)
score_keys = st.sampled_from(
    ["communication", "motivation", "skills", "language_comprehension", "other"]
)
interview_data = shaped(
    {
        "transcript": maybe(st.text()),
        "transcript_with_timestamp": maybe(st.lists(item, max_size=4)),
        "questions_to_transcript_mapping": maybe(st.lists(mapping, max_size=3)),
        "audio_url": maybe(st.text()),
        "video_url": maybe(st.sampled_from(["https://x.example/v.mp4", "javascript:x"])),
        "summary": maybe(st.text()),
        "scores": maybe(st.dictionaries(score_keys, number, max_size=5)),
        "interviewee_email_address": maybe(st.emails()),
        "interviewee_first_name": maybe(st.text()),
        "interviewee_last_name": maybe(st.text()),
    }
)
interview = shaped(
    {
        "interview_flow_id": maybe(st.text()),
        "interview_id": maybe(st.text()),
        "team_id": maybe(st.text()),
        "status": maybe(st.sampled_from(["completed", "incomplete", "weird"])),
        "interview_data": interview_data,
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interview)
def test_any_shaped_json_translates_without_exception(payload):
    result = translate_interview(payload, fallback_id="fallback")
    assert isinstance(result.problems, tuple)
    for score in result.scores.values():
        assert isinstance(score.value, float)
    for question in result.questions:
        assert all(0 <= i < len(result.transcript) for i in question.segment_indices)
    for url in (result.audio_url, result.video_url):
        assert url is None or url.startswith(("http://", "https://"))
    json.dumps(result.raw, default=str)

"""The sandbox's pure parts: invented results read back cleanly, and knob validation."""

from __future__ import annotations

import pytest

from app.providers.base import InterviewStatus, SegmentRole
from app.providers.ribbon.sandbox import knobs
from app.providers.ribbon.sandbox.results import CompletionOptions, build_interview_data
from app.providers.ribbon.translate import translate_interview

QUESTIONS = ["Why us?", "A hard bug?", "Where next?"]


def result_for(options: CompletionOptions, interview_id: str = "i-1"):
    data = build_interview_data(
        interview_id, QUESTIONS, options, {"interviewee_first_name": "Ada"}, "http://x/a.wav"
    )
    payload = {"interview_id": interview_id, "interview_flow_id": "f", "status": "completed",
               "team_id": "t", "interview_data": data}  # fmt: skip
    return data, translate_interview(payload)


def test_invented_results_translate_without_problems():
    data, result = result_for(CompletionOptions(answers=["Because the product matters to me."]))
    assert result.status is InterviewStatus.COMPLETED
    assert result.problems == ()
    assert [q.question for q in result.questions] == QUESTIONS
    for question in result.questions:
        first, second = (result.transcript[i] for i in question.segment_indices)
        assert first.role is SegmentRole.INTERVIEWER
        assert first.text == question.question
        assert second.role is SegmentRole.CANDIDATE
        assert question.start is not None
        assert question.end is not None
        assert question.start < question.end
    assert result.transcript[result.questions[1].segment_indices[1]].text  # canned answer
    assert all(key not in result.scores for key in data["scores"] if key.startswith("language_"))
    assert result.summary
    assert result.summary.startswith("Ada")


def test_results_are_deterministic_and_options_apply():
    first, _ = result_for(CompletionOptions())
    again, _ = result_for(CompletionOptions())
    assert first == again
    _, result = result_for(
        CompletionOptions(
            scores={"communication": 1},
            null_scores=["motivation"],
            no_summary=True,
            language_assessment=True,
        )
    )
    assert result.scores["communication"].value == 1
    assert "motivation" not in result.scores
    assert result.summary is None
    assert len([k for k in result.scores if k.startswith("language_")]) == 4


def test_short_answers_leave_skills_unscored():
    _, result = result_for(CompletionOptions(answers=["Yes.", "No.", "Maybe."]))
    assert "skills" not in result.scores
    assert "communication" in result.scores


def test_knob_validation_and_layering():
    assert knobs.validate({"duplicates": 2, "reorder": True}) == {"duplicates": 2, "reorder": True}
    for bad in ({"duplicates": 1.5}, {"drop_probability": 2}, {"api_error": "418"},
                {"null_scores": ["iq"]}, {"what": 1}, [1]):  # fmt: skip
        with pytest.raises(knobs.KnobError):
            knobs.validate(bad)
    with pytest.raises(knobs.KnobError, match="whole sandbox"):
        knobs.validate({"rejected_api_keys": ["k"]}, per_flow=True)
    assert knobs.validate({"api_error": "503"}, per_flow=True) == {"api_error": "503"}
    stored = knobs.merge({"duplicates": 2, "reorder": True}, {"reorder": None, "drop_next": 1})
    assert stored == {"duplicates": 2, "drop_next": 1}
    effective = knobs.effective({"duplicates": 2, "null_scores": ["skills"]}, {"duplicates": 0})
    assert effective.duplicates == 0
    assert effective.null_scores == ("skills",)
    assert effective.max_attempts == 8

"""The pure rules of review and decide: where a decision moves a stage, how ratings are read,
what identifies the AI output shown, and how the trail's CSV cells are neutralised."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import Invalid
from app.reviews.routes import csv_cell
from app.reviews.service import AiOutput, clean_ratings, day_end, next_stage, stage_for
from app.reviews.statuses import DecisionOutcome

DIMENSIONS = [("communication", "Communication"), ("skills", "Skills")]


def test_advance_moves_to_the_next_stage_and_reject_to_rejected() -> None:
    assert next_stage("applied") == "screening"
    assert next_stage("offer") == "hired"
    assert next_stage("hired") is None
    assert next_stage("rejected") is None
    assert stage_for(DecisionOutcome.ADVANCE, "interview") == "offer"
    assert stage_for(DecisionOutcome.REJECT, "interview") == "rejected"
    assert stage_for(DecisionOutcome.REJECT, "rejected") is None
    assert stage_for(DecisionOutcome.HOLD, "interview") is None


def test_ratings_are_whole_numbers_from_1_to_5_on_known_dimensions() -> None:
    assert clean_ratings({"communication": "4", "skills": ""}, DIMENSIONS) == {"communication": 4}
    for raw in ({"skills": "6"}, {"skills": "0"}, {"skills": "2.5"}, {"skills": "²"}, {}):
        with pytest.raises(Invalid):
            clean_ratings(raw, DIMENSIONS)
    with pytest.raises(Invalid, match="not a dimension"):
        clean_ratings({"honesty": "3"}, DIMENSIONS)


def test_the_ai_version_changes_with_what_is_shown_and_only_with_it() -> None:
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    scores = [{"key": "skills", "label": "Skills", "value": 4.0, "scale": 5.0}]
    shown = AiOutput(scores, "Good", at)
    assert shown.version == AiOutput(list(scores), "Good", at + dt.timedelta(days=1)).version
    assert shown.version != AiOutput(scores, "Better", at).version
    assert shown.version != AiOutput(scores, None, at).version
    assert shown.snapshot()["result_updated_at"] == at.isoformat()


def test_csv_cells_that_look_like_formulas_are_quoted() -> None:
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@x", "plain")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@x",
        "plain",
    ]
    assert day_end(dt.date.max) is None
    assert day_end(dt.date(2026, 1, 31)) == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)

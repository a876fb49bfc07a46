"""Pure pieces of the live dashboard: cursors, notification parsing, score rows, transcript
grouping and CSV cell neutralising."""

from __future__ import annotations

import uuid

from app.dashboard.compare import clean_filters, neutralise
from app.dashboard.live import RESYNC, parse_update
from app.invitations.result_view import question_blocks, score_rows
from app.web.cursors import cursor_of, moment_of, parse_cursor


def test_cursors_round_trip_and_garbage_means_none():
    assert parse_cursor("1795314553612849") == 1795314553612849
    assert moment_of(cursor_of(moment_of(1795314553612849))) == moment_of(1795314553612849)
    for raw in (None, "", "abc", "-5", "1e9", "9" * 30, "12 34"):
        assert parse_cursor(raw) is None


def test_notifications_parse_ids_and_ignore_junk():
    ids = [uuid.uuid4() for _ in range(3)]
    raw = f'{{"org":"{ids[0]}","job":"{ids[1]}","invitation":"{ids[2]}","event":"card"}}'
    update = parse_update(raw)
    assert update is not None
    assert (update.org, update.job, update.invitation) == tuple(ids)
    resync = parse_update('{"event":"resync"}')
    assert resync is not None
    assert resync.event == RESYNC
    assert resync.job is None
    for junk in ("", "not json", "[]", '{"org":"x","job":"y","invitation":"z"}'):
        assert parse_update(junk) is None


def test_missing_scores_are_named_not_zero():
    stored = {"communication": {"value": 4, "scale": 5, "label": "Communication"}}
    rows = {r.key: r for r in score_rows(stored, "ribbon", completed=True)}
    assert rows["communication"].state == "reported"
    assert rows["communication"].fraction == 0.8
    assert rows["skills"].state == "missing"
    assert rows["skills"].value is None
    assert rows["language_comprehension"].state == "not_reported"
    assert score_rows({}, "ribbon", completed=False) == []  # nothing is missing yet
    assert [r.key for r in score_rows({"extra": {"value": 1, "scale": None}}, "nope", True)] == [
        "extra"
    ]


def test_transcript_groups_by_question_and_keeps_the_rest():
    transcript = [
        {"role": "interviewer", "text": "Q?", "start": 0},
        {"role": "candidate", "text": "A.", "start": 2},
        {"role": "candidate", "text": "Aside.", "start": 9},
    ]
    mapping = [{"question": "Q?", "segment_indices": [0, 1, 7], "start": 0, "end": 5}]
    blocks = question_blocks(transcript, mapping)
    assert [(b.number, b.question, len(b.lines)) for b in blocks] == [
        (1, "Q?", 2),
        (None, "Other conversation", 1),
    ]
    assert question_blocks(transcript, [])[0].question == "Transcript"


def test_csv_cells_never_start_a_formula():
    for cell in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert neutralise(cell).startswith("'")
    assert neutralise("Ada") == "Ada"
    assert neutralise(None) == ""


def test_bad_filters_fall_back_to_defaults():
    filters = clean_filters("not-a-uuid", "drop table", "nope", "hired", -4)
    assert filters.assessment_id is None
    assert filters.sort == "overall"
    assert filters.status == ""
    assert filters.stage == "hired"
    assert filters.page == 1

"""The pure merge: facts only grow, and any order and any number of repeats of the same reports
reach the same result and status."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.invitations.merge import current_stage, derive_status, merge_result
from app.providers.base import (
    InterviewResult,
    InterviewStatus,
    Score,
    SegmentRole,
    TranscriptSegment,
)
from app.providers.ribbon.webhooks import RibbonWebhooks

ADAPTER = RibbonWebhooks()
SEGMENTS = tuple(
    TranscriptSegment(SegmentRole.CANDIDATE if i % 2 else SegmentRole.INTERVIEWER, f"line {i}")
    for i in range(6)
)
TRUTH = InterviewResult(
    provider="ribbon",
    interview_id="i-1",
    flow_id="f-1",
    status=InterviewStatus.COMPLETED,
    scores={
        "communication": Score("communication", 4, 5),
        "motivation": Score("motivation", 5, 5),
        "skills": Score("skills", 3, 5),
    },
    summary="Clear answers.",
    transcript=SEGMENTS,
    audio_url="https://example.com/a.mp3",
    video_url="https://example.com/v.mp4",
    problems=("scores.skills was a string",),
)


def snapshot(truth: InterviewResult, seed: int) -> InterviewResult:
    """What one fetch might have seen on the way to `truth`: some facts not in yet."""
    rng = random.Random(seed)
    if rng.random() < 0.2:
        return InterviewResult("ribbon", truth.interview_id, None, InterviewStatus.INCOMPLETE)
    keep = {k: v for k, v in truth.scores.items() if rng.random() < 0.7}
    return InterviewResult(
        provider="ribbon",
        interview_id=truth.interview_id,
        flow_id=truth.flow_id,
        status=InterviewStatus.COMPLETED,
        scores=keep,
        summary=truth.summary if rng.random() < 0.7 else None,
        transcript=truth.transcript[: rng.randint(0, len(truth.transcript))],
        audio_url=truth.audio_url if rng.random() < 0.7 else None,
        video_url=truth.video_url if rng.random() < 0.5 else None,
        problems=truth.problems if rng.random() < 0.5 else (),
    )


def fold(reports: list[InterviewResult], status: str = "invited") -> tuple[object, ...]:
    stored: InterviewResult | None = None
    missing: list[str] = []
    for report in reports:
        stored = merge_result(stored, report)
        done = stored.status == InterviewStatus.COMPLETED
        status, missing = derive_status(
            status, stored, ADAPTER.missing(stored, True) if done else [], True
        )
    assert stored is not None
    return (
        stored.status,
        dict(stored.scores),
        stored.summary,
        stored.transcript,
        stored.audio_url,
        stored.video_url,
        stored.problems,
        status,
        tuple(missing),
    )


@settings(max_examples=300, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(0, 5), max_size=4),
)
def test_any_order_and_repeats_converge(seeds, order, repeats):
    reports = [snapshot(TRUTH, s) for s in seeds] + [TRUTH]
    shuffled = reports + [reports[i % len(reports)] for i in repeats]
    order.shuffle(shuffled)
    assert fold(shuffled) == fold(reports)
    assert fold(shuffled)[-2] == "complete"


@settings(max_examples=200, deadline=None)
@given(seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=5))
def test_merge_never_loses_a_known_fact(seeds):
    stored = None
    for s in seeds:
        before = stored
        stored = merge_result(stored, snapshot(TRUTH, s))
        if before is not None:
            assert set(before.scores) <= set(stored.scores)
            for attr in ("summary", "audio_url", "video_url"):
                if getattr(before, attr) is not None:
                    assert getattr(stored, attr) == getattr(before, attr)
            assert len(stored.transcript) >= len(before.transcript)
            assert set(before.problems) <= set(stored.problems)
            if before.status == InterviewStatus.COMPLETED:
                assert stored.status == InterviewStatus.COMPLETED


def test_merge_is_idempotent():
    once = merge_result(None, TRUTH)
    assert merge_result(once, TRUTH) == once


def test_video_before_interview_processed_still_complete():
    with_video = TRUTH
    without = InterviewResult(**{**TRUTH.__dict__, "video_url": None})
    stored = merge_result(merge_result(None, with_video), without)
    assert stored.video_url == TRUTH.video_url
    status, missing = derive_status("invited", stored, ADAPTER.missing(stored, True), True)
    assert (status, missing) == ("complete", [])


def test_status_rules():
    incomplete = InterviewResult("ribbon", "i", None, InterviewStatus.INCOMPLETE)
    assert derive_status("invited", incomplete, [], False) == ("invited", [])
    assert derive_status("invited", incomplete, [], True) == ("pending", [])
    assert derive_status("invited", TRUTH, ["video"], True) == ("partial", ["video"])
    assert derive_status("complete", incomplete, [], False) == ("complete", [])
    assert derive_status("partial", TRUTH, [], False) == ("complete", [])
    # a recruiter's cancel stands; an expired link gives way to a completed interview
    assert derive_status("cancelled", TRUTH, [], True)[0] == "cancelled"
    assert derive_status("expired", TRUTH, [], True)[0] == "complete"
    assert derive_status("expired", incomplete, [], False)[0] == "expired"


def test_current_stage_follows_the_chain_in_any_order():
    moves = [("applied", "screening"), ("screening", "shortlisted"), ("shortlisted", "accepted")]
    for _ in range(20):
        random.shuffle(moves)
        assert current_stage(moves) == "accepted"
    assert current_stage([]) == ""
    assert current_stage([("", "shortlisted")]) == "shortlisted"


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("abcde")), max_size=8))
def test_current_stage_is_order_independent_even_for_cycles(moves):
    expected = current_stage(moves)
    assert current_stage(list(reversed(moves))) == expected
    assert current_stage(moves + moves) == expected

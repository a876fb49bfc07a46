"""Ribbon webhook signatures (the test vector in ribbon/API.md) and event parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.providers.base import EventKind, InterviewResult, InterviewStatus, Score, UnusablePayload
from app.providers.ribbon.webhooks import EVENT_KINDS, RibbonWebhooks, sign

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "ribbon"
SECRET = "myGoodSecret"
VECTOR = {
    "interview_processed.json": "02d5731d6a2d778dced32d2f646b3f68989428a57df2c660294273df1ccd3c01",
    "video_processed.json": "8ef3c0a6efd9d0f77ac8bffdf256bbb9e20e8cf65985e7711e34cced7465665c",
    "candidate_status_updated.json": "d8d6fabb8dd7501837b7269e3ab5168aed011bfac1a13917d3521b061bf951a8",
}
adapter = RibbonWebhooks()


@pytest.mark.parametrize(("name", "signature"), VECTOR.items())
def test_documented_vector_verifies(name, signature):
    body = (PAYLOADS / name).read_bytes()
    assert sign(body, SECRET) == signature
    assert adapter.verify(body, {"x-ribbon-signature": signature}, SECRET)
    assert adapter.verify(body, {"X-Ribbon-Signature": signature}, SECRET)


@pytest.mark.parametrize(("name", "signature"), VECTOR.items())
def test_anything_else_fails(name, signature):
    body = (PAYLOADS / name).read_bytes()
    changed = bytearray(body)
    changed[10] ^= 0x01
    assert not adapter.verify(bytes(changed), {"x-ribbon-signature": signature}, SECRET)
    assert not adapter.verify(body + b"\n", {"x-ribbon-signature": signature}, SECRET)
    assert not adapter.verify(body, {"x-ribbon-signature": signature}, "myGoodSecreT")
    assert not adapter.verify(body, {"x-ribbon-signature": signature}, "")
    assert not adapter.verify(body, {}, SECRET)
    for malformed in ("", "sha256=" + signature, signature.upper(), signature[:-1], "zz" * 32, " "):
        assert not adapter.verify(body, {"x-ribbon-signature": malformed}, SECRET), malformed


def test_parse_documented_events():
    processed = adapter.parse((PAYLOADS / "interview_processed.json").read_bytes())
    assert processed.kind is EventKind.INTERVIEW_PROCESSED
    assert processed.interview_id == "7ada85b2-b8a6-4e4a-84ed-f1c25fa63843"
    assert processed.flow_id == "d1a104e7"
    assert processed.candidate_email == "john.doe@example.com"
    video = adapter.parse((PAYLOADS / "video_processed.json").read_bytes())
    assert video.kind is EventKind.VIDEO_PROCESSED
    assert video.idempotency_key != processed.idempotency_key
    moved = adapter.parse((PAYLOADS / "candidate_status_updated.json").read_bytes())
    assert moved.kind is EventKind.CANDIDATE_STATUS_MOVED
    assert (moved.previous_status, moved.new_status) == ("shortlisted", "accepted")
    assert moved.candidate_email == "john.doe@example.com"
    assert moved.flow_id == "7b896044"
    assert moved.raw["interview_flow_name"] == "Backend Engineer"


def test_idempotency_key_is_stable_and_meaningful():
    body = (PAYLOADS / "candidate_status_updated.json").read_bytes()
    first = adapter.parse(body).idempotency_key
    # The same facts with other key order, spacing and email case are the same delivery.
    reordered = (
        b'{"new_status":"accepted","previous_status":"shortlisted","interview_flow_id":"7b896044",'
        b'"interviewee_email":"John.Doe@Example.com","event_type":"candidate_status_updated"}'
    )
    assert adapter.parse(reordered).idempotency_key == first
    moved_back = reordered.replace(b'"accepted"', b'"rejected"')
    assert adapter.parse(moved_back).idempotency_key != first


def test_unknown_and_unusable_bodies():
    unknown = adapter.parse(b'{"event_type": "interview_archived", "interview_id": "x"}')
    assert unknown.kind is EventKind.UNKNOWN
    assert unknown.event_type == "interview_archived"
    assert adapter.parse(b"{}").kind is EventKind.UNKNOWN
    for bad in (b"\xff\xfe", b"not json", b"[1, 2]", b'"text"', b""):
        with pytest.raises(UnusablePayload):
            adapter.parse(bad)


def result(scores: dict[str, float], **kwargs) -> InterviewResult:
    return InterviewResult(
        provider="ribbon",
        interview_id="i",
        flow_id="f",
        status=InterviewStatus.COMPLETED,
        scores={k: Score(k, v, 5.0) for k, v in scores.items()},
        **kwargs,
    )


def test_missing_not_reported_and_overall():
    from app.providers.base import SegmentRole, TranscriptSegment

    empty = result({})
    assert adapter.missing(empty, video_enabled=True) == [
        "transcript",
        "summary",
        "score: communication",
        "score: motivation",
        "score: skills",
        "video",
    ]
    assert adapter.missing(empty, video_enabled=False)[-1] == "score: skills"
    full = result(
        {"communication": 4, "motivation": 5, "skills": 3},
        summary="ok",
        transcript=(TranscriptSegment(SegmentRole.CANDIDATE, "hi"),),
        video_url="https://x/v.mp4",
    )
    assert adapter.missing(full, video_enabled=True) == []
    assert len(adapter.not_reported(full)) == 4
    assert adapter.overall_score(full.scores) == 4.0
    assert adapter.overall_score(result({"skills": 2, "language_comprehension": 5}).scores) == 2.0
    assert adapter.overall_score({}) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
event_fields = st.fixed_dictionaries(
    {},
    optional={
        "event_type": st.sampled_from(list(EVENT_KINDS)) | json_values,
        "interview_id": json_values,
        "interview_flow_id": json_values,
        "interviewee_email": json_values,
        "interviewee_email_address": json_values,
        "previous_status": json_values,
        "new_status": json_values,
        "status": json_values,
    },
)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=64)
    | json_values.map(lambda v: json.dumps(v).encode())
    | event_fields.map(lambda v: json.dumps(v).encode())
)
def test_parse_never_fails_any_other_way(body):
    try:
        event = adapter.parse(body)
    except UnusablePayload:
        return
    assert event.idempotency_key.startswith("ribbon:")
    assert event.idempotency_key == adapter.parse(body).idempotency_key
    for value in (event.interview_id, event.flow_id, event.candidate_email):
        assert value is None or isinstance(value, str)

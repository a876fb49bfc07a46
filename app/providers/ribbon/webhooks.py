"""Ribbon's webhooks: signature check, translation into neutral events, and what a complete
Ribbon result has to contain."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from app.providers.base import EventKind, InterviewResult, Score, UnusablePayload, WebhookEvent
from app.providers.ribbon.translate import (
    CORE_SCORES,
    LANGUAGE_SCORES,
    as_id,
    as_text,
    score_label,
)

SIGNATURE_HEADER = "x-ribbon-signature"
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")

EVENT_KINDS: Mapping[str, EventKind] = {
    "interview_processed": EventKind.INTERVIEW_PROCESSED,
    "video_processed": EventKind.VIDEO_PROCESSED,
    "candidate_status_updated": EventKind.CANDIDATE_STATUS_MOVED,
}

# What `missing` names, once it is no longer awaited; scores read "<label> not scored".
UNAVAILABLE_LABELS: Mapping[str, str] = {
    "video": "no video recorded",
    "summary": "no summary written",
    "transcript": "no transcript",
}
# Ribbon sends video_processed when it has processed the video: an interview that still has no
# video_url after it was recorded without one (no camera, or the camera was declined).
SETTLED_BY: Mapping[str, tuple[str, ...]] = {"video_processed": ("video",)}
SCORE_PREFIX = "score: "


def sign(body: bytes, secret: str) -> str:
    """What Ribbon puts in `x-ribbon-signature`: lowercase hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RibbonWebhooks:
    name = "ribbon"
    signature_header = SIGNATURE_HEADER

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> bool:
        given = _header(headers, SIGNATURE_HEADER)
        if not given or not secret:
            return False
        given = given.strip()
        if not _HEX_SHA256.fullmatch(given):
            return False  # Ribbon sends lowercase hex only; anything else is not its signature
        return hmac.compare_digest(given, sign(body, secret))

    def parse(self, body: bytes) -> WebhookEvent:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise UnusablePayload("the body is not UTF-8 text") from None
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than json can go
            raise UnusablePayload("the body is not JSON") from None
        if not isinstance(payload, dict):
            raise UnusablePayload("the body is JSON but not an object")
        event_type = as_text(payload.get("event_type")) or ""
        kind = EVENT_KINDS.get(event_type, EventKind.UNKNOWN)
        email = as_text(payload.get("interviewee_email")) or as_text(
            payload.get("interviewee_email_address")
        )
        event = WebhookEvent(
            kind=kind,
            event_type=event_type,
            idempotency_key="",
            interview_id=as_id(payload.get("interview_id")),
            flow_id=as_id(payload.get("interview_flow_id")),
            candidate_email=email,
            previous_status=as_text(payload.get("previous_status")),
            new_status=as_text(payload.get("new_status")),
            raw=payload,
        )
        return dataclasses.replace(event, idempotency_key=_idempotency_key(event))

    def missing(self, result: InterviewResult, video_enabled: bool) -> list[str]:
        missing = []
        if not result.transcript:
            missing.append("transcript")
        if not result.summary:
            missing.append("summary")
        missing.extend(f"{SCORE_PREFIX}{key}" for key in CORE_SCORES if key not in result.scores)
        if video_enabled and not result.video_url:
            missing.append("video")
        return missing

    def not_reported(self, result: InterviewResult) -> list[str]:
        return [f"score: {key}" for key in LANGUAGE_SCORES if key not in result.scores]

    def is_media(self, item: str) -> bool:
        return item == "video"

    def unavailable_label(self, item: str) -> str:
        if item.startswith(SCORE_PREFIX):
            return f"{score_label(item.removeprefix(SCORE_PREFIX)).lower()} not scored"
        return UNAVAILABLE_LABELS.get(item, f"no {item}")

    def settled_by(self, event_type: str) -> tuple[str, ...]:
        return SETTLED_BY.get(event_type, ())

    def overall_score(self, scores: Mapping[str, Score]) -> float | None:
        values = []
        for key in CORE_SCORES:
            score = scores.get(key)
            if score is None or not score.scale:
                continue
            values.append(min(max(score.value / score.scale * 5.0, 0.0), 5.0))
        return round(sum(values) / len(values), 2) if values else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value if isinstance(value, str) else None


def _idempotency_key(event: WebhookEvent) -> str:
    """Equal for deliveries that mean the same thing (Ribbon sends no event id)."""
    parts: list[Any]
    if event.kind is EventKind.CANDIDATE_STATUS_MOVED:
        parts = [
            event.event_type,
            event.flow_id,
            (event.candidate_email or "").lower(),
            f"{event.previous_status}->{event.new_status}",
        ]
    elif event.kind is not EventKind.UNKNOWN and event.interview_id:
        parts = [event.event_type, event.interview_id, as_text(event.raw.get("status"))]
    else:
        # Nothing identifies it: only byte-for-byte equal content is the same delivery.
        parts = [event.event_type, json.dumps(event.raw, sort_keys=True, default=str)]
    text = json.dumps(parts, separators=(",", ":"), default=str)
    return "ribbon:" + hashlib.sha256(text.encode()).hexdigest()

"""Finishing an interview in the sandbox, and queueing the webhooks Ribbon would send for it
(with the knobs for duplicates, reordering, delays and drops applied when they are queued)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Mapping
from typing import Any

import asyncpg

from app import db
from app.providers.ribbon.sandbox import delivery, service
from app.providers.ribbon.sandbox.knobs import Knobs
from app.providers.ribbon.sandbox.results import CompletionOptions, build_interview_data
from app.providers.ribbon.webhooks import sign


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def finish_interview(
    interview_id: str, options: CompletionOptions, base_url: str
) -> dict[str, Any] | None:
    """Complete an incomplete interview: build its result and queue its webhooks.

    Returns the interview's Ribbon JSON, or None when it was already completed (a second
    submit of the same link changes nothing)."""
    async with db.transaction():
        row = await db.fetchrow(
            "SELECT * FROM sandbox_interview WHERE id = $1 FOR UPDATE", interview_id
        )
        if row is None or row["status"] == "completed":
            return None
        flow = await db.fetchrow("SELECT * FROM sandbox_flow WHERE id = $1", row["flow_id"])
        assert flow is not None  # foreign key
        spec = flow["spec"]
        knobs = await service.knobs_for(flow["id"])
        merged = CompletionOptions(
            answers=options.answers,
            video=options.video,
            scores=options.scores,
            null_scores=(*knobs.null_scores, *options.null_scores),
            no_summary=options.no_summary or knobs.no_summary,
            language_assessment=options.language_assessment or knobs.language_assessment,
        )
        media = f"{base_url.rstrip('/')}/sandbox/media/{interview_id}"
        person = {
            "interviewee_email_address": row["email"],
            "interviewee_first_name": row["first_name"],
            "interviewee_last_name": row["last_name"],
        }
        data = build_interview_data(
            interview_id, spec.get("questions") or [], merged, person, f"{media}/audio.wav"
        )
        with_video = bool(spec.get("is_video_enabled")) and (merged.video is not False)
        now = _now()
        video_at = None
        if with_video and not knobs.video_never:
            video_at = now + dt.timedelta(seconds=knobs.video_delay_seconds)
        await db.fetch(
            """UPDATE sandbox_interview SET status = 'completed', completed_at = $2,
                   answers = $3::jsonb, interview_data = $4::jsonb, video_url = $5,
                   video_ready_at = $6
               WHERE id = $1""",
            interview_id,
            now,
            list(merged.answers),
            data,
            f"{media}/video.wav" if with_video else None,
            video_at,
        )
        await _queue_interview_events(flow, row, spec, knobs, now, video_at)
    delivery.wake_all()
    updated = await service.get_interview(interview_id)
    return service.interview_json(updated) if updated else None


def _event(event_type: str, flow_spec: Mapping[str, Any], row: asyncpg.Record) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "interview_flow_id": row["flow_id"],
        "interview_id": row["id"],
        "interview_link": row["interview_link"],
        "interview_flow_name": flow_spec.get("title"),
        "interviewee_email_address": row["email"],
        "interviewee_first_name": row["first_name"],
        "interviewee_last_name": row["last_name"],
        "status": "completed",
    }


async def _queue_interview_events(
    flow: asyncpg.Record,
    row: asyncpg.Record,
    spec: Mapping[str, Any],
    knobs: Knobs,
    now: dt.datetime,
    video_at: dt.datetime | None,
) -> None:
    delay = dt.timedelta(seconds=knobs.delivery_delay_seconds)
    planned: list[tuple[str, dt.datetime]] = [("interview_processed", now + delay)]
    if video_at is not None:
        planned.append(("video_processed", video_at + delay))
    if knobs.reorder and video_at is not None:
        # Video first: both go at the video's time, and the earlier id wins a tie.
        both = video_at + delay
        planned = [("video_processed", both), ("interview_processed", both)]
    for event_type, when in planned:
        await queue_event(flow, row["id"], _event(event_type, spec, row), when, knobs)


async def trigger_candidate_status(
    flow_id: str, email: str, previous_status: str, new_status: str
) -> int:
    """Queue `candidate_status_updated` as Ribbon sends it; returns how many rows were queued."""
    flow = await service.get_flow(flow_id)
    if flow is None:
        return 0
    spec = flow["spec"]
    payload = {
        "event_type": "candidate_status_updated",
        "interview_flow_id": flow_id,
        "interview_flow_name": spec.get("title"),
        "interviewee_email": email,
        "new_status": new_status,
        "previous_status": previous_status,
    }
    knobs = await service.knobs_for(flow_id)
    async with db.transaction():
        count = await queue_event(
            flow, None, payload, _now() + dt.timedelta(seconds=knobs.delivery_delay_seconds), knobs
        )
    delivery.wake_all()
    return count


async def queue_event(
    flow: asyncpg.Record,
    interview_id: str | None,
    payload: Mapping[str, Any],
    when: dt.datetime,
    knobs: Knobs,
) -> int:
    """Queue one webhook and its duplicates. Without a webhook URL Ribbon sends nothing."""
    spec = flow["spec"]
    url = spec.get("webhook_url")
    if not url:
        return 0
    body = json.dumps(payload).encode()  # Ribbon's spacing, as in the documented payloads
    secret = spec.get("webhook_secret_key")
    signature = sign(body, secret) if secret else None
    count = 0
    for copy in range(1 + knobs.duplicates):
        dropped = await _dropped(flow["id"], knobs)
        await db.fetch(
            """INSERT INTO sandbox_delivery (flow_id, interview_id, event_type, url, body,
                   signature, status, max_attempts, retry_base_seconds, next_attempt_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            flow["id"],
            interview_id,
            payload["event_type"],
            url,
            body,
            signature,
            "dropped" if dropped else "pending",
            knobs.max_attempts,
            knobs.retry_base_seconds,
            when + dt.timedelta(milliseconds=copy),  # duplicates follow their original
        )
        count += 1
    return count


async def _dropped(flow_id: str, knobs: Knobs) -> bool:
    if await service.take("drop_next", flow_id):
        return True
    return knobs.drop_probability > 0 and random.random() < knobs.drop_probability

"""Against the database: any order and any number of repeats (duplicates and replays) of a set
of deliveries, with the provider's answers growing in between, reach the same final state."""

from __future__ import annotations

import copy
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import db
from app.queue import service as queue
from tests.factories import make_assessment, make_invitation, make_org
from tests.webhook_support import (
    FakeRibbon,
    drain,
    event_body,
    fake_resources,
    invitation_state,
    move_body,
    post,
    timeline,
)

MOVES = [("", "applied"), ("applied", "shortlisted"), ("shortlisted", "accepted")]


def partial_truth(full: dict, seed: int) -> dict:
    """What the provider might answer before everything is in."""
    rng = random.Random(seed)
    if rng.random() < 0.25:
        return {
            "interview_id": full["interview_id"],
            "status": "incomplete",
            "interview_data": None,
        }
    snap = copy.deepcopy(full)
    data = snap["interview_data"]
    for key in ("video_url", "summary", "audio_url"):
        if rng.random() < 0.5:
            data[key] = None
    data["scores"] = {k: (v if rng.random() < 0.6 else None) for k, v in data["scores"].items()}
    return snap


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 1000), st.booleans()),
        min_size=5,
        max_size=14,
    ),
    full_at=st.integers(0, 100),
)
async def test_random_orders_and_repeats_converge(client, settings, steps, full_at):
    org = await make_org(ribbon_api_key="key")
    assessment = await make_assessment(org, video_enabled=True)
    invitation = await make_invitation(assessment)
    ribbon = FakeRibbon()
    ribbon.complete(invitation.interview_id, video=True)
    full = ribbon.truth[invitation.interview_id]
    bodies = [
        event_body("interview_processed", invitation.interview_id, assessment.flow_id),
        event_body("video_processed", invitation.interview_id, assessment.flow_id),
        *(move_body(assessment.flow_id, invitation.email, p, n) for p, n in MOVES),
    ]
    # every delivery at least once, then the random steps; the provider answers with everything
    # at `full_step` and at the end (a replay), with partial answers anywhere else, even after
    plan = [(i, 0, False) for i in range(len(bodies))] + steps
    random.Random(full_at).shuffle(plan)
    plan.append((full_at % 2, 0, True))
    full_step = full_at % len(plan)
    for n, (index, seed, replay) in enumerate(plan):
        if n in (full_step, len(plan) - 1):
            ribbon.truth[invitation.interview_id] = full
        else:
            ribbon.truth[invitation.interview_id] = partial_truth(full, seed)
        answer = await post(client, assessment.token, bodies[index], assessment.secret)
        if answer.json()["status"] == "duplicate" and replay and index < 2:
            delivery_id = await db.fetchval(
                "SELECT id FROM webhook_delivery WHERE assessment_id = $1 AND event_type = $2",
                assessment.id,
                "interview_processed" if index == 0 else "video_processed",
            )
            await queue.enqueue("process_delivery", {"delivery_id": str(delivery_id)})
        await drain(settings, fake_resources(ribbon))
    # the last fetch of the interview may have been a partial one: its facts never erase
    # what the full one brought, so the end state is the full truth
    state = await invitation_state(invitation.id)
    assert state["status"] == "complete", (state, plan, full_step)
    assert state["missing"] == []
    assert set(state["scores"]) == {"communication", "motivation", "skills"}
    assert state["video_url"] == full["interview_data"]["video_url"]
    assert state["summary"] == full["interview_data"]["summary"]
    assert state["provider_stage"] == "accepted"
    statuses = [m for k, m in await timeline(invitation.id) if k == "status"]
    assert statuses[-1].endswith("-> complete")
    assert sum(m.endswith("-> complete") for m in statuses) == 1
    assert await db.fetchval(
        "SELECT count(*) FROM webhook_delivery WHERE assessment_id = $1", assessment.id
    ) == len(bodies)

"""A tenant admin knows their own endpoint's signing secret (Ribbon echoes it back), so they can
sign any body and send it to their own webhook address. Such a delivery must neither suppress
another organisation's genuine webhook (deduplication is per endpoint) nor act on anything but
its own assessment (it is kept, marked ignored with the reason, and counted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from app import db
from tests.factories import AssessmentRow, InvitationRow, make_assessment, make_invitation, make_org
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


@dataclass(frozen=True)
class Tenant:
    assessment: AssessmentRow
    invitation: InvitationRow


async def tenant(name: str, ribbon: FakeRibbon) -> Tenant:
    org = await make_org(name=name, ribbon_api_key=f"key-{name}")
    assessment = await make_assessment(org, video_enabled=False)
    invitation = await make_invitation(assessment)
    ribbon.complete(invitation.interview_id, video=False)
    return Tenant(assessment, invitation)


async def delivery(delivery_id: str) -> dict[str, Any]:
    row = await db.fetchrow(
        "SELECT status, last_error, invitation_id FROM webhook_delivery WHERE id = $1::uuid",
        delivery_id,
    )
    assert row is not None
    return dict(row)


def foreign_count(what: str) -> float:
    value = REGISTRY.get_sample_value(
        "hirewire_webhook_foreign_total", {"provider": "ribbon", "what": what}
    )
    return value or 0.0


async def test_a_forged_delivery_first_does_not_suppress_the_genuine_one(client, settings):
    ribbon = FakeRibbon()
    attacker, victim = await tenant("A", ribbon), await tenant("B", ribbon)
    body = event_body("interview_processed", victim.invitation.interview_id)
    before = foreign_count("interview")

    forged = await post(client, attacker.assessment.token, body, attacker.assessment.secret)
    genuine = await post(client, victim.assessment.token, body, victim.assessment.secret)

    assert (forged.status_code, forged.json()["status"]) == (202, "stored")
    assert (genuine.status_code, genuine.json()["status"]) == (202, "stored")
    await drain(settings, fake_resources(ribbon))
    state = await invitation_state(victim.invitation.id)
    assert state["status"] == "complete"
    assert state["completed_at"] is not None
    assert await delivery(forged.json()["delivery_id"]) == {
        "status": "ignored",
        "last_error": "interview of another assessment",
        "invitation_id": None,
    }
    assert (await delivery(genuine.json()["delivery_id"]))["status"] == "processed"
    assert ribbon.calls == 1  # the forged one was set aside before any provider call
    assert foreign_count("interview") == before + 1
    assert (await invitation_state(attacker.invitation.id))["status"] == "invited"


async def test_a_forged_delivery_after_the_genuine_one_changes_nothing(client, settings):
    ribbon = FakeRibbon()
    attacker, victim = await tenant("A", ribbon), await tenant("B", ribbon)
    body = event_body("interview_processed", victim.invitation.interview_id)
    genuine = await post(client, victim.assessment.token, body, victim.assessment.secret)
    await drain(settings, fake_resources(ribbon))
    state, events = (
        await invitation_state(victim.invitation.id),
        await timeline(victim.invitation.id),
    )

    forged = await post(client, attacker.assessment.token, body, attacker.assessment.secret)
    again = await post(client, victim.assessment.token, body, victim.assessment.secret)
    await drain(settings, fake_resources(ribbon))

    assert genuine.json()["status"] == "stored"
    assert forged.json()["status"] == "stored"  # the attacker's own endpoint, its own dedupe
    assert again.json()["status"] == "duplicate"  # the victim's dedupe is the victim's alone
    assert (await delivery(forged.json()["delivery_id"]))["status"] == "ignored"
    assert await invitation_state(victim.invitation.id) == state
    assert await timeline(victim.invitation.id) == events


async def test_a_move_naming_another_flow_is_ignored_and_does_not_block_the_genuine_one(
    client, settings
):
    ribbon = FakeRibbon()
    attacker, victim = await tenant("A", ribbon), await tenant("B", ribbon)
    body = move_body(victim.assessment.flow_id, victim.invitation.email, "invited", "rejected")
    before = foreign_count("flow")

    forged = await post(client, attacker.assessment.token, body, attacker.assessment.secret)
    await drain(settings, fake_resources(ribbon))
    assert await delivery(forged.json()["delivery_id"]) == {
        "status": "ignored",
        "last_error": "flow of another assessment",
        "invitation_id": None,
    }
    assert (await invitation_state(victim.invitation.id))["provider_stage"] in (None, "")
    assert foreign_count("flow") == before + 1

    genuine = await post(client, victim.assessment.token, body, victim.assessment.secret)
    assert genuine.json()["status"] == "stored"
    await drain(settings, fake_resources(ribbon))
    assert (await delivery(genuine.json()["delivery_id"]))["status"] == "processed"
    assert (await invitation_state(victim.invitation.id))["provider_stage"] == "rejected"


async def test_a_move_with_its_own_flow_but_another_tenants_candidate_finds_nobody(
    client, settings
):
    ribbon = FakeRibbon()
    attacker, victim = await tenant("A", ribbon), await tenant("B", ribbon)
    body = move_body(attacker.assessment.flow_id, victim.invitation.email, "invited", "hired")
    forged = await post(client, attacker.assessment.token, body, attacker.assessment.secret)
    await drain(settings, fake_resources(ribbon))
    assert (await delivery(forged.json()["delivery_id"]))["status"] in ("failed", "dead")
    assert (await invitation_state(victim.invitation.id))["provider_stage"] in (None, "")


# The property: whatever one endpoint receives, the answers and the effects at another endpoint
# are those it would have had alone. Each example runs twice on fresh organisations: once with
# both endpoints' deliveries interleaved, once with only the observed endpoint's.
EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["other", "observed"]),  # the endpoint that receives the delivery
        st.sampled_from(["own", "theirs"]),  # whose interview or flow the body names
        st.sampled_from(["interview_processed", "video_processed", "move"]),
    ),
    min_size=1,
    max_size=8,
)


def body_for(sender: Tenant, peer: Tenant, names: str, kind: str) -> bytes:
    target = sender if names == "own" else peer
    if kind == "move":
        return move_body(target.assessment.flow_id, target.invitation.email, "invited", "advanced")
    return event_body(kind, target.invitation.interview_id)


async def run(
    client: Any, settings: Any, sequence: list[tuple[str, str, str]], alone: bool
) -> tuple[list[str], Any]:
    ribbon = FakeRibbon()
    other, observed = await tenant("other", ribbon), await tenant("observed", ribbon)
    answers = []
    for to, names, kind in sequence:
        if alone and to == "other":
            continue
        sender, peer = (observed, other) if to == "observed" else (other, observed)
        body = body_for(sender, peer, names, kind)
        answer = await post(client, sender.assessment.token, body, sender.assessment.secret)
        assert answer.status_code == 202, answer.text
        if to == "observed":
            answers.append(answer.json()["status"])
    await drain(settings, fake_resources(ribbon))
    state = await invitation_state(observed.invitation.id)
    state.pop("completed_at")
    # the worker runs a batch's jobs concurrently, so the timeline's order may vary: its events
    # (and the state they converge on) may not
    kinds = sorted(kind for kind, _ in await timeline(observed.invitation.id))
    statuses = await db.fetch(
        """SELECT status, last_error FROM webhook_delivery
           WHERE assessment_id = $1 ORDER BY received_at, id""",
        observed.assessment.id,
    )
    return answers, (state, kinds, [tuple(r) for r in statuses])


@hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=EVENTS)
@example(sequence=[("other", "own", "interview_processed"), ("observed", "own", "move")])
async def test_deliveries_to_one_endpoint_never_change_another_endpoints_answers_or_effects(
    client, settings, sequence
):
    together = await run(client, settings, sequence, alone=False)
    alone = await run(client, settings, sequence, alone=True)
    assert together == alone

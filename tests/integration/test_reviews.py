"""Review and decide (issue 14, items 4 and 5) against PostgreSQL: reviewers' own ratings kept
apart from the AI's, blind-first review withheld server-side on the page and the API, decisions
that move the stage, and the decision trail: what the AI showed is kept as it was, entries are
never changed (the database refuses), erasure removes the personal text only, retention keeps
it, and auditors export it as CSV and read it through the API."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import asyncpg
import pytest

from app import db
from app.accounts.service import create_api_token
from app.invitations import lifecycle
from app.privacy.retention import redact_expired
from app.providers.base import InterviewResult, InterviewStatus, Score
from app.providers.registry import webhook_adapter
from tests.conftest import csrf_token, form_post, login
from tests.factories import AssessmentRow, InvitationRow, make_assessment, make_invitation
from tests.integration.recruiting import fetch_one

SUMMARY = "Clear communicator; AI-SUMMARY-MARKER"


async def scored(
    org: uuid.UUID,
    blind: bool = False,
    assessment: AssessmentRow | None = None,
    overall: float = 4.0,
) -> InvitationRow:
    """A complete invitation with the provider's scores and summary."""
    assessment = assessment or await make_assessment(org, blind_review=blind)
    invitation = await make_invitation(assessment, status="complete", first_name="Grace")
    scores = {
        k: {"key": k, "value": v, "scale": 5, "label": k.capitalize()}
        for k, v in (("communication", 4.0), ("motivation", 3.0), ("skills", 5.0))
    }
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary,
               scores, updated_at)
           VALUES ($1, $2, 'completed', $3, $4::jsonb, now())""",
        invitation.id,
        org,
        SUMMARY,
        scores,
    )
    await db.fetch("UPDATE invitation SET overall_score = $2 WHERE id = $1", invitation.id, overall)
    return invitation


async def bearer(account: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_api_token(account.email)}"}


async def test_each_reviewer_rates_apart_from_the_ai_and_sees_who_rated_what(client, make_account):
    admin = await make_account(org_name="Acme")
    colleague = await make_account(organisation_id=admin.organisation_id, role="recruiter")
    inv = await scored(admin.organisation_id)
    await login(client, admin)
    page = f"/candidates/{inv.candidate_id}"
    assert "Review and decide" in (await client.get(page)).text

    saved = await form_post(
        client,
        f"/invitations/{inv.id}/review",
        {"rating_communication": "5", "rating_skills": "2", "notes": "Strong answers"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200, saved.text
    assert 'id="review-' in saved.text
    assert "Your ratings are saved" in saved.headers["HX-Trigger"]
    row = await fetch_one("SELECT ratings, notes FROM review WHERE invitation_id = $1", inv.id)
    assert row["ratings"] == {"communication": 5, "skills": 2}
    assert row["notes"] == "Strong answers"
    # the provider's scores stay as they were: nothing is averaged into them
    stored = await db.fetchval(
        "SELECT scores FROM assessment_result WHERE invitation_id = $1", inv.id
    )
    assert stored["communication"]["value"] == 4.0
    assert await db.fetchval("SELECT overall_score FROM invitation WHERE id = $1", inv.id) == 4

    headers = await bearer(colleague)
    panel = (await client.get(f"/api/v1/invitations/{inv.id}/reviews", headers=headers)).json()
    assert panel["withheld"] is False
    assert [d["key"] for d in panel["dimensions"]] == ["communication", "motivation", "skills"]
    assert {s["key"]: s["value"] for s in panel["ai"]["scores"]}["communication"] == 4.0
    assert panel["mine"] is None
    assert [(o["reviewer"], o["ratings"]) for o in panel["others"]] == [
        ("Test User", {"communication": 5, "skills": 2})
    ]
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'review_saved' AND subject_id = $1",
        str(inv.id),
    )
    assert audit == 1


async def test_blind_first_withholds_ai_output_and_colleagues_until_you_have_rated(
    client, make_account
):
    admin = await make_account(org_name="Acme")
    first = await make_account(organisation_id=admin.organisation_id, role="recruiter")
    inv = await scored(admin.organisation_id, blind=True)
    first_headers = await bearer(first)
    rated = await client.post(
        f"/api/v1/invitations/{inv.id}/reviews",
        json={"ratings": {"communication": 2}, "notes": "COLLEAGUE-NOTES-MARKER"},
        headers=first_headers,
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["ai"]["summary"] == SUMMARY  # rated: now shown

    headers = await bearer(admin)
    panel = (await client.get(f"/api/v1/invitations/{inv.id}/reviews", headers=headers)).json()
    assert (panel["withheld"], panel["ai"], panel["others"]) == (True, None, [])
    detail = (await client.get(f"/api/v1/invitations/{inv.id}", headers=headers)).json()
    assert detail["ai_withheld"] is True
    assert detail["result"]["summary"] is None
    assert detail["result"]["scores"] == []
    assert detail["invitation"]["overall_score"] is None
    listed = await client.get(
        f"/api/v1/assessments/{detail['invitation']['assessment_id']}/invitations",
        headers=headers,
    )
    assert [i["overall_score"] for i in listed.json()] == [None]
    refused = await client.post(
        f"/api/v1/invitations/{inv.id}/decisions", json={"outcome": "advance"}, headers=headers
    )
    assert refused.status_code == 409
    assert "blind-first" in refused.json()["message"]

    await login(client, admin)
    job_id = await db.fetchval("SELECT job_id FROM invitation WHERE id = $1", inv.id)
    assessment_id = await db.fetchval("SELECT assessment_id FROM invitation WHERE id = $1", inv.id)
    for url in (
        f"/candidates/{inv.candidate_id}",
        f"/invitations/{inv.id}/result",
        f"/invitations/{inv.id}/card",
        f"/jobs/{job_id}",
        f"/assessments/{assessment_id}",
    ):
        for hx in ({}, {"HX-Request": "true"}):
            text = (await client.get(url, headers=hx)).text
            assert "AI-SUMMARY-MARKER" not in text, url
            assert "COLLEAGUE-NOTES-MARKER" not in text, url
            assert 'class="inv-score">4' not in text, url  # no AI overall score
            assert "score-row" not in text, url  # no AI score chart
    assert "Blind-first review" in (await client.get(f"/candidates/{inv.candidate_id}")).text

    saved = await form_post(
        client,
        f"/invitations/{inv.id}/review",
        {"rating_motivation": "4"},
        headers={"HX-Request": "true"},
    )
    assert saved.headers.get("HX-Refresh") == "true"
    text = (await client.get(f"/candidates/{inv.candidate_id}")).text
    assert "AI-SUMMARY-MARKER" in text
    assert "COLLEAGUE-NOTES-MARKER" in text


async def test_a_decision_keeps_the_ai_output_shown_and_later_merges_do_not_change_it(
    client, make_account
):
    admin = await make_account(org_name="Acme")
    inv = await scored(admin.organisation_id)
    headers = await bearer(admin)
    panel = (await client.get(f"/api/v1/invitations/{inv.id}/reviews", headers=headers)).json()
    shown = panel["ai"]["version"]

    await login(client, admin)
    decided = await form_post(
        client,
        f"/invitations/{inv.id}/decision",
        {"outcome": "advance", "reason": "Good fit", "move_stage": "1", "ai_version": shown},
        follow_redirects=False,
    )
    assert decided.status_code in (302, 303), decided.text
    stage = await db.fetchval(
        "SELECT stage FROM application WHERE candidate_id = $1", inv.candidate_id
    )
    assert stage == "screening"
    first = await fetch_one("SELECT * FROM decision WHERE invitation_id = $1", inv.id)
    assert (first["outcome"], first["reason"], first["stage_moved_to"]) == (
        "advance",
        "Good fit",
        "screening",
    )
    assert first["ai_version"] == shown
    assert first["ai_output"]["summary"] == SUMMARY

    # The provider sends better scores and a new summary: merged through the real lifecycle.
    fetched = InterviewResult(
        "ribbon",
        inv.interview_id,
        None,
        InterviewStatus.COMPLETED,
        scores={"communication": Score("communication", 1.0, 5.0, "Communication")},
        summary="A rewritten summary",
    )
    await lifecycle.record_result(
        admin.organisation_id,
        "ribbon",
        inv.interview_id,
        fetched,
        webhook_adapter("ribbon"),
        lifecycle.Source("reconcile", "test merge"),
    )
    assert (
        await db.fetchval("SELECT summary FROM assessment_result WHERE invitation_id = $1", inv.id)
        == "A rewritten summary"
    )
    # the stale version is refused: what the decider saw is no longer what is shown
    stale = await form_post(
        client,
        f"/invitations/{inv.id}/decision",
        {"outcome": "hold", "reason": "Wait", "ai_version": shown},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    assert "changed since" in stale.text
    assert 'id="review-' in stale.text  # the form again, with the message beside it
    assert await db.fetchval("SELECT count(*) FROM decision") == 1

    again = (await client.get(f"/api/v1/invitations/{inv.id}/reviews", headers=headers)).json()
    second = await client.post(
        f"/api/v1/invitations/{inv.id}/decisions",
        json={"outcome": "hold", "reason": "Scores dropped", "ai_version": again["ai"]["version"]},
        headers=headers,
    )
    assert second.status_code == 201, second.text
    trail = (await client.get(f"/api/v1/invitations/{inv.id}/reviews", headers=headers)).json()
    assert [d["outcome"] for d in trail["decisions"]] == ["hold", "advance"]  # newest first
    old = trail["decisions"][1]
    assert old["ai_summary"] == SUMMARY
    assert old["ai_version"] == shown
    assert {s["key"]: s["value"] for s in old["ai_scores"]}["communication"] == 4.0
    assert trail["decisions"][0]["ai_summary"] == "A rewritten summary"
    page = (await client.get(f"/candidates/{inv.candidate_id}")).text
    assert page.index("Scores dropped") < page.index("Good fit")
    actions = await db.fetch(
        "SELECT detail FROM audit_event WHERE action = 'decision_recorded' ORDER BY id"
    )
    assert [a["detail"]["outcome"] for a in actions] == ["advance", "hold"]


async def test_the_trail_is_append_only_erasure_keeps_the_facts_and_retention_keeps_it(
    client, make_account
):
    admin = await make_account(org_name="Acme")
    inv = await scored(admin.organisation_id)
    headers = await bearer(admin)
    await client.post(
        f"/api/v1/invitations/{inv.id}/decisions",
        json={"outcome": "reject", "reason": "Grace lacked depth", "move_stage": True},
        headers=headers,
    )
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await db.fetch("UPDATE decision SET outcome = 'advance'")
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await db.fetch("DELETE FROM decision")

    await db.fetch(  # one from seven months ago: retention leaves it
        "INSERT INTO decision (organisation_id, invitation_id, candidate_id, job_id, "
        "decided_by_label, outcome, ai_shown, decided_at) "
        "SELECT organisation_id, invitation_id, candidate_id, job_id, 'earlier', 'hold', false, "
        "now() - interval '200 days' FROM decision"
    )
    await redact_expired(0)
    assert await db.fetchval("SELECT count(*) FROM decision") == 2

    await login(client, admin)
    erased = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"}
    )
    assert erased.status_code < 400, erased.text
    row = await fetch_one("SELECT * FROM decision WHERE decided_by_label <> 'earlier'")
    assert row["reason"] == "[erased]"
    assert row["ai_output"]["summary"] is None
    assert (row["outcome"], row["decided_by"], row["stage_moved_to"]) == (
        "reject",
        admin.user_id,
        "rejected",
    )
    assert row["ai_output"]["scores"]
    assert row["redacted_at"] is not None
    with pytest.raises(asyncpg.RestrictViolationError):
        await db.fetch("UPDATE decision SET reason = 'again', redacted_at = now()")


async def test_bad_input_is_answered_with_a_message_and_changes_nothing(client, make_account):
    admin = await make_account(org_name="Acme")
    inv = await scored(admin.organisation_id)
    headers = await bearer(admin)
    api = f"/api/v1/invitations/{inv.id}"
    for body, words in (
        ({"outcome": "reject"}, "reason for rejecting"),
        ({"outcome": "maybe"}, "advance, hold or reject"),
        ({"outcome": "hold", "move_stage": True}, "does not move"),
        ({"outcome": "advance", "reason": "x" * 3000}, "at most"),
    ):
        answer = await client.post(f"{api}/decisions", json=body, headers=headers)
        assert answer.status_code == 400, answer.text
        assert words in answer.json()["message"], answer.text
    for ratings, words in (
        ({"communication": 6}, "1 to 5"),
        ({"honesty": 3}, "not a dimension"),
        ({}, "at least one"),
    ):
        answer = await client.post(f"{api}/reviews", json={"ratings": ratings}, headers=headers)
        assert answer.status_code == 400, answer.text
        assert words in answer.json()["message"], answer.text

    await login(client, admin)
    answer = await form_post(
        client, f"/invitations/{inv.id}/decision", {"outcome": "reject", "reason": " "}
    )
    assert answer.status_code == 400
    assert "Give a reason for rejecting" in answer.text
    assert "<form" in answer.text  # the form again, not a bare error page
    answer = await form_post(
        client,
        f"/invitations/{inv.id}/review",
        {"rating_skills": "nine"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 400
    assert "whole number from 1 to 5" in answer.text
    assert 'value="nine"' not in answer.text
    no_token = await client.post(
        f"/invitations/{inv.id}/decision", data={"outcome": "hold"}, headers={}
    )
    assert no_token.status_code == 403  # CSRF
    assert await db.fetchval("SELECT count(*) FROM decision") == 0
    assert await db.fetchval("SELECT count(*) FROM review") == 0


async def test_auditors_export_the_trail_as_csv_and_read_it_through_the_api(client, make_account):
    admin = await make_account(org_name="Acme")
    recruiter = await make_account(organisation_id=admin.organisation_id, role="recruiter")
    inv = await scored(admin.organisation_id)
    headers = await bearer(admin)
    for reason in ("=HYPERLINK(1)", "Second"):
        await client.post(
            f"/api/v1/invitations/{inv.id}/decisions",
            json={"outcome": "hold", "reason": reason},
            headers=headers,
        )
    await db.fetch(
        "INSERT INTO decision (organisation_id, invitation_id, candidate_id, job_id, "
        "decided_by_label, outcome, ai_shown, decided_at) "
        "SELECT organisation_id, invitation_id, candidate_id, job_id, 'old', 'advance', false, "
        "'2026-01-15T10:00:00Z' FROM decision LIMIT 1"
    )
    await login(client, admin)
    exported = await client.get("/decisions.csv?since=2026-01-01&until=2026-01-31")
    assert exported.status_code == 200
    assert exported.text.startswith("\ufeff")
    assert (
        'filename="decisions-2026-01-01-2026-01-31.csv"' in exported.headers["content-disposition"]
    )
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["decided at (UTC)", "decided by", "decision"]
    assert [r[1] for r in rows[1:]] == ["old"]
    everything = list(csv.reader(io.StringIO((await client.get("/decisions.csv")).text)))
    assert len(everything) == 4
    assert "'=HYPERLINK(1)" in [r[3] for r in everything]  # formulas neutralised
    bad = await client.get("/decisions.csv?since=yesterday")
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in (await client.get("/decisions?since=2026-13-01")).text

    listed = (await client.get("/api/v1/decisions", headers=headers)).json()
    assert [d["reason"] for d in listed["decisions"]] == ["Second", "=HYPERLINK(1)", ""]
    assert listed["has_more"] is False
    assert listed["page"] == 1
    ranged = (await client.get("/api/v1/decisions?until=2026-02-01", headers=headers)).json()
    assert [d["decided_by"] for d in ranged["decisions"]] == ["old"]
    assert (await client.get("/api/v1/decisions?page=0", headers=headers)).status_code == 400
    # the organisation-wide trail is for admins
    assert (
        await client.get("/api/v1/decisions", headers=await bearer(recruiter))
    ).status_code == 403


async def test_blind_first_is_an_assessment_setting_in_the_form_and_the_api(client, make_account):
    admin = await make_account(org_name="Acme")
    assessment = await make_assessment(admin.organisation_id)
    headers = await bearer(admin)
    url = f"/api/v1/assessments/{assessment.id}"
    assert (await client.get(url, headers=headers)).json()["blind_review"] is False
    patched = await client.patch(url, json={"blind_review": True}, headers=headers)
    assert patched.status_code == 200
    assert patched.json()["blind_review"] is True
    assert (
        await client.patch(url, json={"blind_review": "yes"}, headers=headers)
    ).status_code == 400
    await login(client, admin)
    page = await client.get(f"/assessments/{assessment.id}")
    assert "Turn blind-first review off" in page.text
    await form_post(client, f"/assessments/{assessment.id}/blind-review", {"blind_review": "0"})
    assert (
        await db.fetchval("SELECT blind_review FROM assessment WHERE id = $1", assessment.id)
        is False
    )
    assert await csrf_token(client)


async def test_bulk_decisions_from_the_compare_view_are_each_their_own_trail_entry(
    client, make_account
):
    admin = await make_account(org_name="Acme")
    org = admin.organisation_id
    assessment = await make_assessment(org)
    high, middle, low = [
        await scored(org, assessment=assessment, overall=v) for v in (4.5, 3.0, 2.0)
    ]
    await login(client, admin)
    compare = await client.get(f"/jobs/{assessment.job_id}/compare")
    assert "Decide for several candidates" in compare.text
    url = f"/jobs/{assessment.job_id}/decisions"
    base = {"assessment": str(assessment.id), "scope": "threshold", "min_overall": "2.5"}

    refused = await form_post(client, url, {**base, "outcome": "reject", "reason": ""})
    assert refused.status_code == 400
    assert "Give a reason for rejecting" in refused.text
    for bad, words in (
        ({"min_overall": "lots"}, "number from 0 to 5"),
        ({"min_overall": "9"}, "number from 0 to 5"),
        ({"scope": "selected"}, "Select candidates"),
        ({"outcome": "hold"}, "advance or reject"),
    ):
        answer = await form_post(client, url, {**base, "outcome": "reject", "reason": "x", **bad})
        assert answer.status_code == 400, (bad, answer.text)
        assert words in answer.text, bad
    assert await db.fetchval("SELECT count(*) FROM decision") == 0

    done = await form_post(
        client,
        url,
        {**base, "outcome": "reject", "reason": "Not this round", "move_stage": "1"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200, done.text
    assert "2 decisions recorded: reject" in done.text
    rows = await db.fetch("SELECT * FROM decision ORDER BY invitation_id")
    assert sorted(r["invitation_id"] for r in rows) == sorted([high.id, middle.id])
    for r in rows:
        assert (r["outcome"], r["reason"], r["stage_moved_to"]) == (
            "reject",
            "Not this round",
            "rejected",
        )
        # the compare view shows scores, not the summary: that is what the trail keeps
        assert r["ai_output"]["shown_on"] == "compare view"
        assert r["ai_output"]["summary"] is None
        assert r["ai_output"]["scores"]
    stages = await db.fetch(
        "SELECT candidate_id, stage FROM application WHERE organisation_id = $1", org
    )
    assert {s["candidate_id"]: s["stage"] for s in stages}[low.candidate_id] == "applied"
    audits = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'decision_recorded'"
    )
    assert audits == 2

    headers = await bearer(admin)
    api = await client.post(
        f"/api/v1{url}",
        json={
            "assessment_id": str(assessment.id),
            "outcome": "advance",
            "invitation_ids": [str(low.id)],
        },
        headers=headers,
    )
    assert api.status_code == 201, api.text
    assert api.json() == {"outcome": "advance", "decided": 1, "skipped": 0}
    assert await db.fetchval("SELECT count(*) FROM decision") == 3

    blind = await make_assessment(org, job_id=assessment.job_id, blind_review=True)
    unrated = await scored(org, assessment=blind)
    answer = await client.post(
        f"/api/v1{url}",
        json={
            "assessment_id": str(blind.id),
            "outcome": "advance",
            "invitation_ids": [str(unrated.id)],
        },
        headers=headers,
    )
    assert answer.status_code == 409
    assert "blind-first" in answer.json()["message"]

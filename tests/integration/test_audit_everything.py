"""Audit everything a person does (issue 14 item 11): adding a candidate, a stage move, an
invite, and the audit page naming each subject with a link (or "Erased candidate") and its
details as text."""

from __future__ import annotations

from app import db
from tests.conftest import form_post, login
from tests.factories import make_assessment, make_invitation


async def test_actions_are_audited_and_the_log_names_its_subjects(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE job SET title = 'Night Baker' WHERE id = $1", assessment.job_id)
    await login(client, account)

    added = await form_post(
        client,
        f"/jobs/{assessment.job_id}/candidates",
        {"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"},
        follow_redirects=False,
    )
    assert added.status_code in (302, 303), added.text
    grace = await db.fetchval("SELECT id FROM candidate WHERE email = 'grace@example.com'")
    moved = await form_post(
        client, f"/jobs/{assessment.job_id}/candidates/{grace}/stage", {"stage": "screening"}
    )
    assert moved.status_code in (200, 302, 303), moved.text
    invited = await form_post(
        client,
        f"/jobs/{assessment.job_id}/invitations",
        {"mode": "selected", "candidate_ids": str(grace), "assessment_id": str(assessment.id)},
    )
    assert invited.status_code in (200, 302, 303), invited.text
    erased = await make_invitation(assessment, first_name="Zed")
    await db.fetch("UPDATE candidate SET erased_at = now() WHERE id = $1", erased.candidate_id)
    await db.fetch(
        """INSERT INTO audit_event (organisation_id, actor_label, action, subject_type,
               subject_id, detail)
           VALUES ($1, 'someone@example.com', 'invitation_cancelled', 'invitation', $2, '{}')""",
        account.organisation_id,
        str(erased.id),
    )

    rows = await db.fetch("SELECT action, subject_type, detail FROM audit_event ORDER BY id")
    actions = [(r["action"], r["subject_type"]) for r in rows]
    assert ("candidate_added", "candidate") in actions
    assert ("stage_changed", "candidate") in actions
    assert ("candidates_invited", "assessment") in actions
    stage = next(r for r in rows if r["action"] == "stage_changed")
    assert stage["detail"]["to"] == "screening"

    page = await client.get("/audit")
    assert page.status_code == 200
    assert f'href="/candidates/{grace}">Grace Hopper</a>' in page.text
    assert f'href="/assessments/{assessment.id}">Assessment</a>' in page.text
    assert "Erased candidate · Assessment" in page.text
    assert "to: screening" in page.text
    assert "invited: 1, skipped: 0, reinvited: 0" in page.text  # jsonb's own key order
    assert "{&#34;" not in page.text  # no raw JSON

"""Review and decide in a real browser: a blind-first review (the AI output and a colleague's
ratings appear only after rating), a refused reject without a reason shown beside the form, a
reject that moves the stage, the trail on the candidate page and the organisation's trail."""

from __future__ import annotations

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_assessment, make_invitation
from tests.integration.recruiting import fetch_one

SUMMARY = "Explains incidents clearly and calmly."


async def test_blind_first_review_then_a_reject_that_moves_the_stage(page, make_account):
    account = await make_account(org_name="Globex Talent")
    colleague = await make_account(organisation_id=account.organisation_id, role="recruiter")
    await db.fetch("UPDATE app_user SET name = 'Rita Colleague' WHERE id = $1", colleague.user_id)
    assessment = await make_assessment(account.organisation_id, blind_review=True)
    await db.fetch("UPDATE job SET title = 'Support Engineer' WHERE id = $1", assessment.job_id)
    inv = await make_invitation(
        assessment, status="complete", first_name="Grace", last_name="Hopper"
    )
    scores = {
        k: {"key": k, "value": v, "scale": 5, "label": k.capitalize()}
        for k, v in (("communication", 4.5), ("motivation", 3.0), ("skills", 4.0))
    }
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary,
               scores, transcript)
           VALUES ($1, $2, 'completed', $3, $4::jsonb,
                   '[{"role": "agent", "text": "Tell me about an incident."},
                     {"role": "user", "text": "We lost a disk at 3am."}]'::jsonb)""",
        inv.id,
        account.organisation_id,
        SUMMARY,
        scores,
    )
    await db.fetch("UPDATE invitation SET overall_score = 3.8 WHERE id = $1", inv.id)
    await db.fetch(
        """INSERT INTO review (organisation_id, invitation_id, reviewer_id, ratings, notes)
           VALUES ($1, $2, $3, '{"communication": 3, "skills": 4}'::jsonb, 'Calm under pressure')""",
        account.organisation_id,
        inv.id,
        colleague.user_id,
    )

    await log_in(page, account)
    await page.goto(f"/candidates/{inv.candidate_id}")
    panel = page.locator(f"#review-{inv.id}")
    await expect(panel.get_by_text("Blind-first review: rate this interview")).to_be_visible()
    await expect(page.get_by_text(SUMMARY)).to_have_count(0)
    await expect(page.get_by_text("Calm under pressure")).to_have_count(0)
    await expect(page.get_by_text("We lost a disk at 3am.")).to_be_visible()  # rate from this
    await panel.scroll_into_view_if_needed()
    await screenshot(page, "review-blind")

    # Rate by keyboard: focus the first rating, choose, tab along, submit with Enter.
    await panel.get_by_label("Communication").focus()
    await page.keyboard.press("ArrowDown")
    await panel.get_by_label("Communication").select_option("4")
    await panel.get_by_label("Skills").select_option("5")
    await panel.get_by_label("Your notes").fill("Good structure, thin on depth.")
    await panel.get_by_role("button", name="Submit my ratings").press("Enter")
    await expect(page.get_by_text(SUMMARY)).to_be_visible()
    panel = page.locator(f"#review-{inv.id}")
    await expect(panel.get_by_role("columnheader", name="Rita Colleague")).to_be_visible()
    await expect(panel.get_by_role("columnheader", name="AI (provider)")).to_be_visible()
    await expect(panel.get_by_text("Calm under pressure")).to_be_visible()

    await panel.get_by_label("Reject", exact=True).check()
    await panel.get_by_role("button", name="Record decision").click()
    await expect(panel.get_by_role("alert")).to_have_text("Give a reason for rejecting.")
    await panel.get_by_label("Reason").fill("Not enough depth on incident work.")
    await panel.get_by_label("Also move the stage").check()
    await panel.get_by_role("button", name="Record decision").click()
    panel = page.locator(f"#review-{inv.id}")
    entry = panel.locator(".decision-entry").first
    await expect(entry).to_contain_text("Not enough depth on incident work.")
    await expect(entry).to_contain_text("moved to Rejected")
    await expect(page.locator(".stage-select").first).to_have_value("rejected")
    await entry.locator("summary").click()
    await expect(entry).to_contain_text(SUMMARY)
    await panel.scroll_into_view_if_needed()
    await screenshot(page, "review-decided")
    await screenshot(page, "review-decided", phone=True)

    await page.goto("/decisions")
    await expect(
        page.get_by_role("cell", name="Not enough depth on incident work.")
    ).to_be_visible()
    await screenshot(page, "decisions")
    await screenshot(page, "decisions", phone=True)
    row = await fetch_one("SELECT outcome, stage_moved_to, ai_output FROM decision")
    assert (row["outcome"], row["stage_moved_to"]) == ("reject", "rejected")
    assert row["ai_output"]["summary"] == SUMMARY


async def test_bulk_reject_from_the_compare_view(page, make_account):
    account = await make_account(org_name="Globex Talent")
    assessment = await make_assessment(account.organisation_id)
    people = []
    for first, overall in (("Ada", 4.6), ("Alan", 2.1), ("Edsger", 1.8)):
        inv = await make_invitation(assessment, status="complete", first_name=first)
        await db.fetch(
            """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status,
                   scores)
               VALUES ($1, $2, 'completed', $3::jsonb)""",
            inv.id,
            account.organisation_id,
            {"skills": {"key": "skills", "value": overall, "scale": 5, "label": "Skills"}},
        )
        await db.fetch("UPDATE invitation SET overall_score = $2 WHERE id = $1", inv.id, overall)
        people.append(inv)

    await log_in(page, account)
    await page.goto(f"/jobs/{assessment.job_id}/compare")
    await page.get_by_label("Select Alan Lovelace").check()
    await page.get_by_label("Select Edsger Lovelace").check()
    bar = page.locator(".bulk-bar")
    await bar.get_by_label("Reject", exact=True).check()
    await bar.get_by_label("Reason").fill("Skills below the bar for this role.")
    await bar.get_by_label("Also move their stage").check()
    await bar.get_by_role("button", name="Record decisions").click()
    await expect(page.locator("#bulk-status")).to_contain_text("2 decisions recorded: reject")
    await screenshot(page, "compare-bulk")
    await screenshot(page, "compare-bulk", phone=True)
    rows = await db.fetch("SELECT invitation_id, reason FROM decision")
    assert sorted(r["invitation_id"] for r in rows) == sorted([people[1].id, people[2].id])
    assert {r["reason"] for r in rows} == {"Skills below the bar for this role."}

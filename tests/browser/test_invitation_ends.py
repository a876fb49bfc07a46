"""Every invitation reaches an end, in a real browser (issue 14 items 1-3): a partial card says
what it waits for and until when, a complete one what is unavailable; Extend revives an
expired link; Remind too soon says when it is allowed; a re-invite is attempt 2 with the
earlier attempt on the candidate page; the assessment page edits the reminder schedule."""

from __future__ import annotations

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import make_assessment, make_invitation, set_result, set_status


async def test_cards_reach_an_end_and_can_be_extended_reminded_and_reinvited(page, make_account):
    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    await db.fetch("UPDATE assessment SET title = 'Backend interview' WHERE id = $1", assessment.id)
    grace = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(grace, "partial", missing=["video"], overall=4.2)
    await db.fetch(
        """UPDATE invitation SET video_due_at = now() + interval '20 hours',
               results_due_at = now() + interval '20 hours' WHERE id = $1""",
        grace.id,
    )
    alan = await make_invitation(assessment, first_name="Alan", last_name="Turing")
    await set_status(alan, "complete", overall=3.8)
    await db.fetch(
        """UPDATE invitation SET unavailable = '["video", "score: motivation"]' WHERE id = $1""",
        alan.id,
    )
    ada = await make_invitation(assessment, status="expired", first_name="Ada")
    await db.fetch(
        "UPDATE invitation SET expires_at = now() - interval '1 day' WHERE id = $1", ada.id
    )
    linus = await make_invitation(assessment, status="cancelled", first_name="Linus")
    await set_result(linus, summary="Took the interview after the cancel.")
    await db.fetch(
        "UPDATE invitation SET completed_at = now(), overall_score = 4.0 WHERE id = $1", linus.id
    )
    ken = await make_invitation(assessment, first_name="Ken")
    await db.fetch(
        """UPDATE invitation SET interview_link = 'https://sandbox.example/i/ken',
               expires_at = now() + interval '10 days' WHERE id = $1""",
        ken.id,
    )
    await log_in(page, account)
    page.on("dialog", lambda dialog: dialog.accept())

    await page.goto(f"/jobs/{assessment.job_id}")
    await expect(page.locator(f"#inv-{grace.id}")).to_contain_text(
        "Waiting for video processing until"
    )
    await expect(page.locator(f"#inv-{alan.id}")).to_contain_text(
        "Unavailable: no video recorded, motivation not scored"
    )
    await expect(page.locator(f"#inv-{linus.id}")).to_contain_text("Arrived after cancellation")
    await screenshot(page, "invitation-ends")
    await screenshot(page, "invitation-ends", phone=True)

    toast = page.locator("#toast")
    await page.locator(f"#inv-{ada.id}").get_by_role("button", name="Extend 7 days").click()
    await expect(toast).to_have_text("Link extended by 7 days.")
    await expect(page.locator(f"#inv-{ada.id}")).to_contain_text("Link valid until")

    ken_card = page.locator(f"#inv-{ken.id}")
    await ken_card.get_by_role("button", name="Remind").click()
    await expect(toast).to_have_text("Reminder sent.")
    await page.evaluate("() => { document.getElementById('toast').hidden = true; }")
    await ken_card.get_by_role("button", name="Remind").click()
    await expect(toast).to_contain_text("another can be sent from")
    assert (
        await db.fetchval("SELECT count(*) FROM email_message WHERE invitation_id = $1", ken.id)
        == 1
    )

    await page.locator(f"#inv-{linus.id}").get_by_role("button", name="Re-invite").click()
    await expect(page.locator(f"#inv-{linus.id}")).to_contain_text("Attempt 2")
    await page.goto(f"/candidates/{linus.candidate_id}")
    attempts = page.locator(f"#attempts-{linus.id}")
    await attempts.locator("summary").click()
    await expect(attempts).to_contain_text("arrived after cancellation")
    await expect(attempts).to_contain_text("Took the interview after the cancel.")
    await screenshot(page, "candidate-attempts")
    await screenshot(page, "candidate-attempts", phone=True)

    await page.goto(f"/assessments/{assessment.id}")
    form = page.locator("#reminders")
    await form.get_by_label("Hours after the invitation").fill("48, soon")
    await form.get_by_role("button", name="Save reminders").click()
    await expect(page.locator("#reminder-error")).to_contain_text("is not a whole number")
    await page.locator("#reminders").get_by_label("Hours after the invitation").fill("48, 96")
    await page.locator("#reminders").get_by_role("button", name="Save reminders").click()
    await expect(page.locator("#reminders")).to_contain_text(
        "48 h after the invitation, 96 h after the invitation, 24 h before the link expires"
    )
    await screenshot(page, "assessment-reminders")
    await screenshot(page, "assessment-reminders", phone=True)

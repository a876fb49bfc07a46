"""The assessment page in a real browser: each invitation card is titled with its candidate's
name (the page is all one assessment), and keeps it when the card refreshes itself."""

from __future__ import annotations

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import make_assessment, make_invitation, set_result, set_status


async def test_assessment_page_cards_name_their_candidates(page, make_account):
    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE assessment SET title = 'Backend interview' WHERE id = $1", assessment.id)
    grace = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(grace, "complete", overall=4.5)
    await set_result(grace)
    alan = await make_invitation(assessment, first_name="Alan", last_name="Turing")
    await log_in(page, account)

    await page.goto(f"/assessments/{assessment.id}")
    titles = page.locator(".inv-card .inv-card-title")
    await expect(titles).to_have_count(2)
    await expect(page.locator(f"#inv-{grace.id} .inv-card-title")).to_contain_text("Grace Hopper")
    await expect(page.locator(f"#inv-{alan.id} .inv-card-title")).to_contain_text("Alan Turing")
    card = page.get_by_role("article", name="Grace Hopper")
    await expect(card).to_be_visible()
    await screenshot(page, "assessment-page")
    await screenshot(page, "assessment-page", phone=True)

    # the card's own refresh (the 30 s poll or a live event) keeps the candidate's name
    async with page.expect_response(f"**/invitations/{alan.id}/card*"):
        await page.evaluate(f"htmx.trigger('#inv-{alan.id}', 'sse:resync')")
    await expect(page.locator(f"#inv-{alan.id} .inv-card-title")).to_contain_text("Alan Turing")

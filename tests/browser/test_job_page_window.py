"""A large job page in the browser: page links, a search, the filters and selecting on a later
page, with screenshots at desktop and phone widths."""

from __future__ import annotations

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import make_assessment, make_invitation, set_status
from tests.integration.test_job_page_window import _add_people


async def test_browse_a_large_job_page_by_page(page, make_account):
    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE assessment SET title = 'Phone screen' WHERE id = $1", assessment.id)
    await _add_people(account.organisation_id, assessment.job_id, 130, "Window")
    for n, status in enumerate(("complete", "partial", "invited", "failed")):
        inv = await make_invitation(assessment, first_name=f"Invited{n}", last_name="Person")
        await set_status(
            inv,
            status,
            overall=4.0 if status in ("complete", "partial") else None,
            missing=["video"] if status == "partial" else None,
            failure_reason="Ribbon refused the email" if status == "failed" else "",
        )
    await log_in(page, account)
    await page.goto(f"/jobs/{assessment.job_id}")
    await expect(page.locator("[data-live]").first).to_have_attribute("data-live", "on")
    await expect(page.locator("tr[id^=candidate-]")).to_have_count(50)
    await expect(page.get_by_text("Showing 1–50 of 134 candidates")).to_be_visible()
    await screenshot(page, "job-paged")
    await screenshot(page, "job-paged", phone=True)

    await page.get_by_role("link", name="Next →").click()
    await expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    await expect(page.locator("tr[id^=candidate-]")).to_have_count(50)
    # Select two people on this page and invite them: only they are invited.
    await page.get_by_label("Select Person60 Window").check()
    await page.get_by_label("Select Person61 Window").check()
    await page.get_by_role("button", name="Invite selected").click()
    await expect(page.get_by_text("Invitations are on their way")).to_be_visible()
    invited = await db.fetch(
        """SELECT c.first_name FROM invitation i JOIN candidate c ON c.id = i.candidate_id
           WHERE i.assessment_id = $1 AND c.last_name = 'Window'""",
        assessment.id,
    )
    assert sorted(r["first_name"] for r in invited) == ["Person60", "Person61"]

    await page.get_by_label("Search", exact=True).fill("invited2")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("tr[id^=candidate-]")).to_have_count(1)
    await expect(page.get_by_text("Showing 1–1 of 1 matching candidate")).to_be_visible()
    await page.get_by_role("link", name="Clear").click()
    await page.locator("select[name=status]").select_option("failed")
    await page.get_by_role("button", name="Apply").click()
    # Only failed invitations: the one made failed, plus any of the two just sent that this
    # organisation (with no provider key) could not send.
    await expect(page.locator(".inv-card").first).to_be_visible()
    await expect(page.locator(".inv-card:not(.status-failed)")).to_have_count(0)
    await expect(page.get_by_text("Ribbon refused the email")).to_be_visible()
    await screenshot(page, "job-filtered", phone=True)


async def test_candidate_page_follows_the_job_stream(page, make_account):
    from tests.dashboard_factories import set_result, worker_update

    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    inv = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await log_in(page, account)
    await page.goto(f"/candidates/{inv.candidate_id}")
    await expect(page.locator("[data-live]").first).to_have_attribute("data-live", "on")
    await expect(page.locator(f"#inv-{inv.id}")).to_contain_text("Invited")
    await expect(page.get_by_text("The candidate has not taken the interview")).to_be_visible()

    await set_result(inv, video_url=None)
    await worker_update(inv, "partial", missing=["video"], overall=4.0)
    await expect(page.locator(f"#inv-{inv.id}")).to_contain_text("Partial", timeout=5000)
    await expect(page.get_by_text("A thoughtful, well-prepared candidate.")).to_be_visible()
    await expect(page.get_by_text("Video still processing")).to_be_visible()
    await screenshot(page, "candidate-live-partial")

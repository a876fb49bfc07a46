"""After logout (here in a second tab of the same browser), an open job page stops saying
"Reconnecting..." and offers to log in again, back to the same page; and Back after logout does
not show the signed-in page from the cache (issue 17 bug 5)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import make_assessment, make_invitation


async def test_an_open_page_notices_the_logout(page, make_account):
    from app.dashboard.stream import AUTH_CHECK_SECONDS

    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id)
    await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await log_in(page, account)
    await page.goto(f"/jobs/{assessment.job_id}")
    region = page.locator("[data-live]").first
    await expect(region).to_have_attribute("data-live", "on")
    notice = page.locator("#logged-out")
    await expect(notice).to_be_hidden()

    other = await page.context.new_page()
    await other.goto("/")
    await other.get_by_role("button", name="Log out").click()
    await other.wait_for_url("**/login**")
    await other.close()

    timeout = (AUTH_CHECK_SECONDS + 5) * 1000
    await expect(notice).to_be_visible(timeout=timeout)
    await expect(notice).to_contain_text("You were logged out")
    await expect(region).to_have_attribute("data-live", "ended")
    await expect(page.locator(".live-indicator")).to_contain_text("Logged out")
    link = notice.get_by_role("link", name="Log in again")
    assert await link.get_attribute("href") == f"/login?next=%2Fjobs%2F{assessment.job_id}"
    await screenshot(page, "job-logged-out")
    await screenshot(page, "job-logged-out", phone=True)

    await link.click()
    await page.wait_for_url("**/login**")
    await page.go_back()  # the job page is not served from the cache: the login page again
    await page.wait_for_load_state()
    assert "/login" in page.url
    await expect(page.get_by_text("Grace Hopper")).to_have_count(0)

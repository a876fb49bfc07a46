"""A person logs in, sees the dashboard shell, and logs out."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import log_in, screenshot


async def test_log_in_reach_dashboard_and_log_out(page, make_account):
    account = await make_account(org_name="Globex Talent")
    await page.goto("/")
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await screenshot(page, "login")
    await screenshot(page, "login", phone=True)

    await page.get_by_label("Email").fill(account.email)
    await page.get_by_label("Password").fill("not-the-password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_contain_text("do not match")

    await log_in(page, account)
    await expect(page.locator(".whoami .org")).to_have_text("Globex Talent")
    await expect(page.get_by_role("navigation", name="Main")).to_contain_text("Jobs")
    await screenshot(page, "home")
    await screenshot(page, "home", phone=True)

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await page.goto("/")
    await expect(page).to_have_url(page.url)  # still on the login page
    assert "/login" in page.url

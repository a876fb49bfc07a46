"""A person logs in, sees the dashboard shell, and logs out."""

from __future__ import annotations

import re

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


async def test_forgot_password_and_set_a_new_one(page, make_account):
    from app import db
    from app.crypto import token_hash

    account = await make_account(org_name="Globex Talent")
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    await screenshot(page, "password-forgot")
    await screenshot(page, "password-forgot", phone=True)
    await page.get_by_label("Email").fill(account.email)
    await page.get_by_role("button", name="Email me a link").click()
    await expect(page.get_by_role("status")).to_contain_text("If an account uses that address")
    await screenshot(page, "password-forgot-sent")

    token = "hwr_browser-test-token"
    await db.fetch(
        """INSERT INTO password_reset (email, ip, user_id, token_hash, status, expires_at)
           VALUES ($1, '127.0.0.1', $2, $3, 'sent', now() + interval '1 hour')""",
        account.email,
        account.user_id,
        token_hash(token),
    )
    await page.goto(f"/login/reset?token={token}")
    await page.get_by_label("New password").fill("a-brand-new-pass")
    await page.get_by_label("The same again").fill("not-the-same-pass")
    await page.get_by_role("button", name="Set the password").click()
    await expect(page.get_by_role("alert")).to_contain_text("not the same")
    await screenshot(page, "password-reset")
    await screenshot(page, "password-reset", phone=True)
    await page.get_by_label("New password").fill("a-brand-new-pass")
    await page.get_by_label("The same again").fill("a-brand-new-pass")
    await page.get_by_role("button", name="Set the password").click()
    await expect(page.get_by_role("status")).to_contain_text("Your new password is set")
    await screenshot(page, "password-reset-done")
    await page.goto(f"/login/reset?token={token}")
    await expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    await screenshot(page, "password-reset-expired", phone=True)


async def test_too_many_failed_logins_say_how_long_to_wait(page, make_account):
    account = await make_account()
    await page.goto("/login")
    for _ in range(11):
        await page.get_by_label("Email").fill(account.email)
        await page.get_by_label("Password").fill("not-the-password")
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_load_state()
    await expect(page.get_by_role("alert")).to_contain_text("Try again in")
    await screenshot(page, "login-slowed")
    await screenshot(page, "login-slowed", phone=True)


async def test_make_and_revoke_an_api_token(page, make_account):
    account = await make_account(org_name="Globex Talent")
    await log_in(page, account)
    await page.get_by_role("link", name="Account").click()
    await page.get_by_role("link", name="API tokens").click()
    await page.get_by_label("Name").fill("ATS sync")
    await page.get_by_role("button", name="Make token").click()
    await expect(page.get_by_label("The new token")).to_have_value(re.compile(r"^hwt_"))
    await screenshot(page, "api-tokens")
    await screenshot(page, "api-tokens", phone=True)
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Revoke").click()
    await expect(page.get_by_role("status")).to_contain_text("The token was revoked.")
    await expect(page.locator("table.data")).to_contain_text("Revoked")


async def test_the_team_page_invites_and_deactivates(page, make_account):
    from app import db

    admin = await make_account(org_name="Globex Talent")
    colleague = await make_account(org_name="Elsewhere", role="recruiter")
    await db.fetch(
        "UPDATE app_user SET organisation_id = $1, name = 'Grace Hopper' WHERE id = $2",
        admin.organisation_id,
        colleague.user_id,
    )
    await log_in(page, admin)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    await page.get_by_label("Email").fill("ada@example.com")
    await page.get_by_label("Name").fill("Ada Lovelace")
    await page.get_by_role("button", name="Send invitation").click()
    await expect(page.get_by_role("status")).to_contain_text("The invitation is on its way")
    await expect(page.locator("table.data")).to_contain_text("Invited")
    await screenshot(page, "team")
    await screenshot(page, "team", phone=True)
    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has_text="Grace Hopper")
    await row.get_by_role("button", name="Deactivate").click()
    await expect(page.get_by_role("status")).to_contain_text("deactivated")
    await expect(page.locator("tr", has_text="Grace Hopper")).to_contain_text("Deactivated")

    await page.get_by_role("link", name="Account").click()
    await expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    await screenshot(page, "account-password")
    await screenshot(page, "account-password", phone=True)

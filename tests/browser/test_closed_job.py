"""A closed job's page in a real browser (issue 17 bug 6): it says the job is closed and how
to carry on, offers Reopen but no Invite, Add a candidate, Import CSV or New assessment, and
its candidates and cards still read well at 1366 and 390 px."""

from __future__ import annotations

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import make_assessment, make_invitation, set_result, set_status


async def test_closed_job_page(page, make_account):
    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE job SET title = 'Night shift lead' WHERE id = $1", assessment.job_id)
    grace = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(grace, "complete", overall=4.5)
    await set_result(grace)
    await make_invitation(assessment, first_name="Alan", last_name="Turing")
    await log_in(page, account)

    await page.goto(f"/jobs/{assessment.job_id}")
    page.once("dialog", lambda dialog: dialog.accept())  # "Close this job?"
    await page.get_by_role("button", name="Close job").click()
    await expect(page.get_by_text("This job is closed: reopen it")).to_be_visible()
    for name in ("New assessment", "Invite selected", "Invite all not yet invited", "Import CSV"):
        await expect(page.get_by_role("button", name=name)).to_have_count(0)
        await expect(page.get_by_role("link", name=name)).to_have_count(0)
    await expect(page.get_by_text("Add a candidate")).to_have_count(0)
    await expect(page.get_by_role("checkbox")).to_have_count(0)
    await expect(page.get_by_role("button", name="Reopen job")).to_be_visible()
    await expect(page.locator(f"#inv-{grace.id}")).to_contain_text("4.5")
    await screenshot(page, "job-closed")
    await screenshot(page, "job-closed", phone=True)

    await page.get_by_role("button", name="Reopen job").click()
    await expect(page.get_by_role("button", name="Invite selected")).to_be_visible()

"""The assessment form and the job page with the keyboard only: Enter in the title creates the
assessment, the question buttons keep focus on the moved question, and errors are marked on
the fields they are about."""

from __future__ import annotations

from playwright.async_api import Page, expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.integration.recruiting import add_people, make_job, sandbox_key


async def _focused(page: Page) -> str:
    return await page.evaluate(
        "() => document.activeElement.getAttribute('aria-label') || document.activeElement.name"
    )


async def test_enter_in_the_title_creates_the_assessment(page, make_account):
    account = await make_account(ribbon_api_key=sandbox_key())
    job_id = await make_job(account.organisation_id)
    await log_in(page, account)
    await page.goto(f"/jobs/{job_id}/assessments/new")
    await page.get_by_role("textbox", name="Question 1", exact=True).fill("Why this role?")
    await page.get_by_label("Title").fill("Phone screen")
    await page.get_by_label("Title").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Phone screen")
    assert "/assessments/" in page.url


async def test_question_buttons_keep_focus_on_the_moved_question(page, make_account):
    account = await make_account(ribbon_api_key=sandbox_key())
    job_id = await make_job(account.organisation_id)
    await log_in(page, account)
    await page.goto(f"/jobs/{job_id}/assessments/new")
    first = page.get_by_role("textbox", name="Question 1", exact=True)
    await first.fill("Alpha")
    add = page.get_by_role("button", name="+ Add a question")
    await add.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("textbox", name="Question 2", exact=True)).to_be_focused()
    await page.keyboard.type("Beta")
    # the first add's swap must have settled before the second (a person is never this fast)
    await expect(page.locator("#questions.htmx-settling, .htmx-request")).to_have_count(0)
    await add.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("textbox", name="Question 3", exact=True)).to_be_focused()
    await page.keyboard.type("Gamma")

    # Gamma up twice from question 3: focus follows it, to the down button once at the top.
    await page.get_by_role("button", name="Move question 3 up").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("textbox", name="Question 2", exact=True)).to_have_value("Gamma")
    await expect(page.get_by_role("button", name="Move question 2 up")).to_be_focused()
    await page.keyboard.press("Space")
    await expect(first).to_have_value("Gamma")
    await expect(page.get_by_role("button", name="Move question 1 down")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("textbox", name="Question 2", exact=True)).to_have_value("Gamma")
    await expect(page.get_by_role("button", name="Move question 2 down")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("textbox", name="Question 3", exact=True)).to_have_value("Gamma")
    await expect(page.get_by_role("button", name="Move question 3 up")).to_be_focused()

    await page.get_by_role("button", name="Remove question 1").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("textbox", name="Question 1", exact=True)).to_have_value("Beta")
    await expect(page.get_by_role("textbox", name="Question 1", exact=True)).to_be_focused()


async def test_an_empty_question_is_marked_and_focused(page, make_account):
    account = await make_account(ribbon_api_key=sandbox_key())
    job_id = await make_job(account.organisation_id)
    await log_in(page, account)
    await page.goto(f"/jobs/{job_id}/assessments/new")
    await page.get_by_label("Title").fill("Phone screen")
    await page.get_by_role("textbox", name="Question 1", exact=True).fill("Why this role?")
    await page.get_by_role("button", name="+ Add a question").click()
    await expect(page.get_by_role("textbox", name="Question 2", exact=True)).to_be_focused()
    # let htmx finish settling the swapped questions (a person is never this fast)
    await expect(page.locator("#questions.htmx-settling, .htmx-request")).to_have_count(0)
    await page.wait_for_load_state("networkidle")
    await page.get_by_label("Title").press("Enter")
    await page.wait_for_load_state()
    second = page.get_by_role("textbox", name="Question 2", exact=True)
    await expect(page.get_by_role("alert").first).to_contain_text("Please fix the highlighted")
    await expect(second).to_have_attribute("aria-invalid", "true")
    await expect(second).to_be_focused()
    await expect(second).to_have_accessible_description(
        "Question 2 is empty: write it or remove it."
    )
    await screenshot(page, "assessment-form-errors")
    await screenshot(page, "assessment-form-errors", phone=True)


async def test_stage_moves_only_when_asked_and_focus_stays(page, make_account):
    account = await make_account()
    job_id = await make_job(account.organisation_id)
    [candidate_id] = await add_people(account.organisation_id, job_id, 1)
    await log_in(page, account)
    await page.goto(f"/jobs/{job_id}")
    stage = page.get_by_label("Pipeline stage")
    await stage.focus()
    await page.keyboard.press("ArrowDown")  # a stray arrow key moves nobody
    await expect(stage).to_have_value("screening")
    await page.wait_for_timeout(500)
    assert await _stage_of(candidate_id) == "applied"
    await expect(stage).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(stage).to_have_value("shortlisted")
    await expect(stage).to_be_focused()

    await page.keyboard.press("Tab")
    move = page.get_by_role("button", name="Move to the chosen stage")
    await expect(move).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#toast")).to_have_text("Moved to Shortlisted.")
    assert await _stage_of(candidate_id) == "shortlisted"
    await expect(page.get_by_label("Pipeline stage")).to_have_value("shortlisted")
    await expect(move).to_be_focused()  # the redrawn form's button: focus stayed
    await screenshot(page, "job-stage-moved")
    await screenshot(page, "job-stage-moved", phone=True)


async def _stage_of(candidate_id) -> str:
    return await db.fetchval("SELECT stage FROM application WHERE candidate_id = $1", candidate_id)

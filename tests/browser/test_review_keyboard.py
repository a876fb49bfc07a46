"""A review with the keyboard only, in a real browser: from the home page's tiles to the job,
from the job to a candidate, the recording played from a transcript timestamp, the stage moved;
and a card whose email was not sent says so."""

from __future__ import annotations

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import (
    make_assessment,
    make_invitation,
    set_result,
    set_status,
)


async def test_a_review_from_the_home_page_to_a_stage_move_by_keyboard(page, make_account):
    account = await make_account(org_name="Globex Talent")
    assessment = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE job SET title = 'Data Engineer' WHERE id = $1", assessment.job_id)
    done = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(done, "partial", missing=["video"], overall=4.2)
    await set_result(done, video_url="https://media.example/v.mp4")
    waiting = await make_invitation(assessment, first_name="Alan", last_name="Turing")
    await set_status(waiting, "invited")
    await db.fetch(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
               to_address, subject, body_text, body_html, status)
           VALUES ($1, $2, $3, 'invite', 'alan@example.com', 's', 't', 'h', 'not_sent')""",
        account.organisation_id,
        waiting.id,
        waiting.candidate_id,
    )
    await log_in(page, account)

    # home: the Partial tile leads to the open jobs with partial invitations
    await page.get_by_role("link", name="1 Partial").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("partial invitations")
    await page.get_by_role("link", name="1 partial").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Data Engineer")
    assert "status=partial" in page.url

    # the job page: Alan's card is not part of this filter; unfiltered, it says Not sent
    await page.goto(f"/jobs/{assessment.job_id}")
    alan = page.locator(f"#inv-{waiting.id}")
    await expect(alan.get_by_text("Not sent")).to_be_visible()
    await screenshot(page, "job-not-sent")
    await screenshot(page, "job-not-sent", phone=True)

    # on to the candidate, the recording from a timestamp, then the stage
    await page.get_by_role("link", name="Grace Hopper").first.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    result = page.locator(f"#result-{done.id}")
    seek = result.locator(".t-seek[data-seek]").nth(1)
    await seek.focus()
    await page.keyboard.press("Enter")
    at = await result.locator("video").evaluate("v => v.currentTime")
    assert abs(at - float(await seek.get_attribute("data-seek") or "nan")) < 0.01
    stage = page.get_by_role("combobox").first
    await stage.focus()
    await page.keyboard.press("ArrowDown")  # choosing alone moves nobody
    assert (
        await db.fetchval(
            "SELECT stage FROM application WHERE candidate_id = $1", done.candidate_id
        )
        == "applied"
    )
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status").first).to_contain_text("Moved to")
    moved = await db.fetchval(
        "SELECT stage FROM application WHERE candidate_id = $1", done.candidate_id
    )
    assert moved != "applied"
    await screenshot(page, "candidate-keyboard-review")

"""A long word breaks no layout (issue 17 bug 7): a job titled with 200 characters and no
space (and a candidate and an assessment named alike) keeps the home page, the jobs list, the
job page, the assessment and candidate pages and the audit log within the window at 1366 and 390 px."""

from __future__ import annotations

from playwright.async_api import Page, expect

from app import db
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.dashboard_factories import make_assessment, make_invitation, set_result, set_status

WORD = "Supercalifragilisticexpialidocious" * 6  # 204 characters, no space
TITLE = WORD[:200]
# For the failure message: the innermost elements that reach past the window's right edge.
WIDE_ELEMENTS = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 6)
  .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} ${Math.round(e.getBoundingClientRect().right)}`)"""


async def _fits(page: Page, name: str) -> None:
    for size in (DESKTOP, PHONE):
        await page.set_viewport_size(size)
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        wide = await page.evaluate(WIDE_ELEMENTS) if widths[0] > widths[1] else []
        assert widths[0] <= widths[1], (
            f"{name} at {size['width']} px is {widths[0]} px wide: {wide}"
        )
    await page.set_viewport_size(DESKTOP)
    await screenshot(page, f"long-word-{name}")
    await screenshot(page, f"long-word-{name}", phone=True)


async def test_a_200_character_word_stays_inside_every_page(page, make_account):
    account = await make_account(org_name="Initech Talent")
    await log_in(page, account)
    await page.goto("/jobs/new")
    await page.get_by_label("Title").fill(TITLE)
    await page.get_by_label("Department").fill(WORD[:150])
    await page.get_by_role("button", name="Create job").click()
    await expect(page.locator("h1")).to_contain_text(TITLE[:40])
    job_id = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[1]
    assessment = await make_assessment(account.organisation_id, job_id=job_id)
    await db.fetch("UPDATE assessment SET title = $2 WHERE id = $1", assessment.id, WORD[:120])
    done = await make_invitation(assessment, first_name=WORD[:100], last_name="Hopper")
    await set_status(done, "complete", overall=4.5)
    await set_result(done)
    await make_invitation(assessment, first_name="Alan", last_name=WORD[:100])

    for name, url in (
        ("home", "/"),
        ("jobs", "/jobs"),
        ("job", f"/jobs/{job_id}"),
        ("assessment", f"/assessments/{assessment.id}"),
        ("candidate", f"/candidates/{done.candidate_id}"),
        ("audit", "/audit"),
    ):
        await page.goto(url)
        await expect(page.get_by_text(TITLE[:30]).first).to_be_attached()
        await _fits(page, name)

"""The privacy pages in a real browser: erasing a candidate through its confirmation page and
rotating an assessment's webhook secret, with screenshots."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.integration.recruiting import sandbox_key
from tests.integration.test_privacy_erasure import EMAIL, seed


async def test_erase_a_candidate_through_the_confirmation_page(
    page: Page, make_account: Any
) -> None:
    admin = await make_account(role="admin")
    inv, _ = await seed(admin.organisation_id)
    await log_in(page, admin)
    await page.goto(f"/candidates/{inv.candidate_id}")
    await page.get_by_role("link", name="Erase candidate…").click()
    await expect(
        page.get_by_role("heading", name="Erase this candidate's personal data")
    ).to_be_visible()
    await screenshot(page, "privacy-erase")
    await screenshot(page, "privacy-erase", phone=True)

    await page.get_by_label("Type the candidate's email address").fill("someone@else.org")
    await page.get_by_role("button", name="Erase personal data").click()
    await expect(page.get_by_role("alert")).to_contain_text("to confirm")
    await screenshot(page, "privacy-erase-error")

    await page.get_by_label("Type the candidate's email address").fill(EMAIL)
    await page.get_by_role("button", name="Erase personal data").click()
    await page.wait_for_url(f"**/candidates/{inv.candidate_id}")
    await expect(page.get_by_role("heading", name="Erased candidate")).to_be_visible()
    assert EMAIL not in await page.content()
    await screenshot(page, "privacy-erased-candidate")


async def test_rotate_a_webhook_secret(page: Page, make_account: Any) -> None:
    from tests.factories import make_assessment

    admin = await make_account(role="admin", ribbon_api_key=sandbox_key())
    assessment = await make_assessment(admin.organisation_id, questions='["Why us?"]')
    await log_in(page, admin)
    await page.goto(f"/assessments/{assessment.id}")
    await page.get_by_role("link", name="Rotate secret…").click()
    await screenshot(page, "privacy-webhook-secret")
    await page.get_by_role("button", name="Rotate the webhook secret").click()
    await expect(page.get_by_role("status")).to_contain_text("Rotated.")
    await screenshot(page, "privacy-webhook-secret-rotated")
    await screenshot(page, "privacy-webhook-secret-rotated", phone=True)
    flow = await db.fetchval("SELECT provider_flow_id FROM assessment WHERE id = $1", assessment.id)
    assert flow != assessment.flow_id

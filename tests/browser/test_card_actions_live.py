"""Resend, Remind and Cancel while live updates are on: the card's own live refresh, announced
while the action's request is in flight, must not abort it, so the toast shows and the card
shows the action's result."""

from __future__ import annotations

from playwright.async_api import Page, Route, expect

from app import db
from app.invitations import timeline
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import InvitationRow, make_assessment, make_invitation

COUNT_CARD_EVENTS = """(id) => {
  window.__cardEvents = 0;
  document.addEventListener("htmx:sseMessage", (e) => {
    if (e.detail && e.detail.type === "card-" + id) window.__cardEvents += 1;
  });
}"""


async def _announce(inv: InvitationRow) -> None:
    async with db.transaction():
        await timeline.announce(inv.organisation_id, inv.job_id, inv.id)


async def _hold_until_refreshed(page: Page, inv: InvitationRow, action: str) -> None:
    """Hold the action's request at the network until the card's live refresh has been
    announced and heard, as when a worker's change lands during the click."""
    heard = await page.evaluate("() => window.__cardEvents")

    async def hold(route: Route) -> None:
        await _announce(inv)
        await page.wait_for_function(f"() => window.__cardEvents > {heard}")
        await page.wait_for_timeout(300)  # htmx has issued (or dropped) the refresh
        await route.continue_()

    await page.route(f"**/invitations/{inv.id}/{action}", hold)


async def test_actions_land_while_the_card_refreshes_itself(page, make_account):
    account = await make_account(org_name="Initech Talent")
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await db.fetch(
        "UPDATE invitation SET interview_link = 'https://sandbox.example/i/1' WHERE id = $1",
        inv.id,
    )
    await log_in(page, account)
    await page.goto(f"/jobs/{assessment.job_id}")
    await expect(page.locator("[data-live]").first).to_have_attribute("data-live", "on")
    await page.evaluate(COUNT_CARD_EVENTS, str(inv.id))
    card = page.locator(f"#inv-{inv.id}")
    toast = page.locator("#toast")
    page.on("dialog", lambda dialog: dialog.accept())

    for action, label, said in [
        ("resend", "Resend", "Email resent."),
        ("remind", "Remind", "Reminder sent."),
    ]:
        # REMIND_MIN_INTERVAL_SECONDS after the last email: as if that one went out long ago
        await db.fetch("UPDATE email_message SET created_at = now() - interval '2 hours'")
        await _hold_until_refreshed(page, inv, action)
        await card.get_by_role("button", name=label).click()
        await expect(toast).to_have_text(said)
        await expect(toast).to_be_visible()
        await page.unroute(f"**/invitations/{inv.id}/{action}")
        await page.evaluate("() => { document.getElementById('toast').hidden = true; }")

    await _hold_until_refreshed(page, inv, "cancel")
    seen: list[str] = []
    page.on("request", lambda r: seen.append(f"{r.method} {r.url.rsplit('/', 1)[-1]}"))
    await card.get_by_role("button", name="Cancel").click()
    await expect(toast).to_have_text("Invitation cancelled.")
    # the refresh skipped during the action runs once the action's card is in
    for _ in range(50):
        if "GET card" in seen[seen.index("POST cancel") :]:
            break
        await page.wait_for_timeout(100)
    assert "GET card" in seen[seen.index("POST cancel") :], seen
    await expect(card).to_contain_text("Cancelled")
    await expect(card.get_by_role("button", name="Remind")).to_have_count(0)
    assert await db.fetchval("SELECT status FROM invitation WHERE id = $1", inv.id) == "cancelled"
    await screenshot(page, "job-card-cancelled-live")

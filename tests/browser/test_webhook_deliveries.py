"""The delivery log in a real browser: dead and failing deliveries stand out, the payload is
shown escaped and pretty-printed, and screenshots of both pages."""

from __future__ import annotations

import json

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_assessment


async def _deliveries(org, assessment) -> list:
    rows = [
        ("processed", "interview_processed", "", {"interviewee_first_name": "Grace"}),
        ("dead", "interview_processed", "unknown interview x-42 (gave up after 5 attempts)", {}),
        ("failed", "video_processed", "provider: Ribbon answered 503", {}),
        ("ignored", "interview_archived", "event type 'interview_archived' is not used", {}),
        ("processed", "candidate_status_updated", "", {"new_status": "accepted"}),
    ]
    ids = []
    for n, (status, event, error, extra) in enumerate(rows):
        payload = {
            "event_type": event,
            "interview_id": f"7ada85b2-{n}",
            "interviewee_first_name": "<script>alert(1)</script>",
            **extra,
        }
        ids.append(
            await db.fetchval(
                """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider,
                       idempotency_key, event_type, status, headers, payload, last_error,
                       attempts, processed_at)
                   VALUES ($1, $2, 'ribbon', $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9,
                           CASE WHEN $5 IN ('processed', 'ignored') THEN now() END)
                   RETURNING id""",
                org,
                assessment,
                f"k{n}",
                event,
                status,
                json.dumps({"content-type": "application/json", "user-agent": "Ribbon/1.0"}),
                json.dumps(payload),
                error,
                5 if status == "dead" else 1,
            )
        )
    await db.fetch(
        """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider,
               idempotency_key, status, body, last_error)
           VALUES ($1, $2, 'ribbon', 'rejected:1', 'rejected', $3, 'the body is not JSON')""",
        org,
        assessment,
        b"not json <b>at all</b>",
    )
    return ids


async def test_delivery_log_pages(page, make_account):
    account = await make_account(org_name="Acme Recruiting")
    assessment = await make_assessment(account.organisation_id)
    ids = await _deliveries(account.organisation_id, assessment.id)
    await log_in(page, account)
    await page.goto("/deliveries")
    await expect(page.get_by_role("heading", name="Webhook deliveries")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("1 dead")
    await expect(page.locator("tr.delivery-dead")).to_have_count(1)
    await screenshot(page, "deliveries")
    await screenshot(page, "deliveries", phone=True)
    await page.goto(f"/deliveries/{ids[1]}")
    await expect(page.get_by_text("unknown interview x-42").first).to_be_visible()
    await expect(page.locator("pre.payload")).to_contain_text("<script>alert(1)</script>")
    await screenshot(page, "delivery-detail")
    await page.get_by_role("button", name="Replay").click()
    await expect(page.get_by_role("status")).to_contain_text("queued for processing again")
    await page.goto("/deliveries?status=rejected")
    await expect(page.locator("tbody tr")).to_have_count(1)

"""Home, compare and candidate pages in a real browser: each result kind correctly labelled,
a `<script>` name shown as text, the compare view usable without JavaScript tricks, and
screenshots at desktop and phone widths."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot
from tests.dashboard_factories import (
    FULL_SCORES,
    make_assessment,
    make_invitation,
    set_result,
    set_status,
)

PEOPLE = [
    ("Grace", "Hopper", 4.5, 4.0),
    ("Alan", "Turing", 3.5, 3.0),
    ("Katherine", "Johnson", 4.0, 4.5),
    ("Edsger", "Dijkstra", 2.5, 2.0),
    ("Barbara", "Liskov", 4.4, 5.0),
    ("Donald", "Knuth", 3.0, 3.5),
]


def _core(skills: float) -> dict:
    core = {k: v for k, v in FULL_SCORES.items() if not k.startswith("language")}
    return {**core, "skills": {"value": skills, "scale": 5, "label": "Skills"}}


async def _org(account):
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    await db.fetch(
        "UPDATE job SET title = 'Senior Backend Engineer', department = 'Platform' WHERE id = $1",
        assessment.job_id,
    )
    await db.fetch("UPDATE assessment SET title = 'Backend interview' WHERE id = $1", assessment.id)
    made = []
    for first, last, overall, skills in PEOPLE:
        inv = await make_invitation(assessment, first_name=first, last_name=last)
        await set_status(inv, "complete", overall=overall)
        await set_result(inv, scores=_core(skills), video_url="https://media.example/v.mp4")
        made.append(inv)
    partial = await make_invitation(assessment, first_name="Margaret", last_name="Hamilton")
    await set_status(partial, "partial", missing=["video"], overall=4.17)
    await set_result(partial, scores=_core(4.0))
    empty = await make_invitation(assessment, first_name="<script>alert(1)</script>", last_name="X")
    failed = await make_invitation(assessment, first_name="Linus", last_name="Torvalds")
    await set_status(failed, "failed", failure_reason="Ribbon answered 422: the email is invalid")
    await db.fetch(
        """INSERT INTO webhook_delivery (organisation_id, provider, idempotency_key, event_type,
             status, attempts, last_error, payload)
           VALUES ($1, 'ribbon', 'k1', 'interview_processed', 'dead', 8,
                   'interview 7f3a is unknown to this organisation', $2::jsonb)""",
        account.organisation_id,
        json.dumps({"event": "interview_processed"}),
    )
    return assessment, made, partial, empty


async def test_home_compare_and_candidate_pages(page, make_account):
    account = await make_account(org_name="Initech Talent")
    assessment, made, partial, empty = await _org(account)
    await log_in(page, account)

    await expect(page.get_by_role("heading", name="Latest results")).to_be_visible()
    await expect(page.locator(".attention")).to_contain_text("need")
    await expect(page.locator(".stat.status-complete .stat-value")).to_have_text("6")
    await screenshot(page, "home")
    await screenshot(page, "home", phone=True)

    await page.goto(f"/jobs/{assessment.job_id}/compare")
    ranking = page.locator("table.ranking tbody tr")
    await expect(ranking).to_have_count(9)
    await expect(ranking.first).to_contain_text("Grace Hopper")
    await screenshot(page, "compare")
    await screenshot(page, "compare", phone=True)
    await page.get_by_label("Rank by").select_option("skills")
    await expect(ranking.first).to_contain_text("Barbara Liskov")
    assert "sort=skills" in page.url
    await page.get_by_label("Status").select_option("failed")
    await expect(ranking).to_have_count(1)
    await expect(ranking.first).to_contain_text("Linus Torvalds")
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Export CSV").click()
    download = await downloading.value
    assert download.suggested_filename.endswith("candidates.csv"), download.suggested_filename
    saved = await download.path()
    content = Path(saved).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # opens as UTF-8 in a spreadsheet
    assert "Linus" in content.decode("utf-8-sig")

    await page.goto(f"/candidates/{made[0].candidate_id}")
    result = page.locator(f"#result-{made[0].id}")
    await expect(result.locator("svg.score-chart")).to_be_visible()
    await expect(result).to_contain_text("Tell me about yourself.")
    await expect(result.locator("video")).to_have_count(1)
    await expect(result.get_by_label(re.compile("^Video of the interview with"))).to_have_count(1)
    seek = result.locator(".t-seek[data-seek]").nth(1)
    wanted = float(await seek.get_attribute("data-seek") or "nan")
    await seek.click()
    at = await result.locator("video").evaluate("v => v.currentTime")
    assert abs(at - wanted) < 0.01, (at, wanted)  # the timestamp moved the player there
    first = result.locator(".t-seek[data-seek]").first  # and from the keyboard alone
    await first.focus()
    await page.keyboard.press("Enter")
    at = await result.locator("video").evaluate("v => v.currentTime")
    assert abs(at - float(await first.get_attribute("data-seek") or "nan")) < 0.01
    await screenshot(page, "candidate")
    await screenshot(page, "candidate", phone=True)

    await page.goto(f"/candidates/{partial.candidate_id}")
    result = page.locator(f"#result-{partial.id}")
    await expect(result).to_contain_text("Video still processing")
    await expect(result).to_contain_text("Not reported")
    await expect(result).to_contain_text("Partial result")
    await screenshot(page, "candidate-partial")

    await page.goto(f"/candidates/{empty.candidate_id}")
    await expect(page.locator("h1")).to_contain_text("<script>alert(1)</script>")
    await expect(page.locator(f"#result-{empty.id}")).to_contain_text("No results yet")
    await screenshot(page, "candidate-empty", phone=True)

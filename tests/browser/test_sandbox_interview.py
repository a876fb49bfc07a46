"""A candidate opens a sandbox interview link, answers, finishes, and the sandbox records the
interview and sends its signed webhooks."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from playwright.async_api import expect

from app.providers.base import FlowSpec, InterviewStatus
from app.providers.ribbon.client import RetryPolicy, RibbonClient
from tests.browser.conftest import screenshot

QUESTIONS = (
    "Tell me about a time you led a team through a difficult change.",
    "What would you want to learn in your first three months here?",
)


async def test_candidate_takes_the_interview(page, live_server):
    key = str(uuid.uuid4())
    base = f"{live_server.url}/sandbox/api"
    async with RibbonClient(key, base, retry=RetryPolicy(attempts=2, wait_initial=0.01)) as ribbon:
        flow_id = await ribbon.create_flow(
            FlowSpec(org_name="Acme Recruiting", title="Engineering Manager", questions=QUESTIONS,
                     video_enabled=True, intro="")
        )  # fmt: skip
        made = await ribbon.create_interview(flow_id, "grace@example.com", "Grace", "Hopper")

        await page.goto(made.link)
        await expect(page.get_by_role("heading", name="Engineering Manager")).to_be_visible()
        await expect(page.get_by_text("Hi Grace")).to_be_visible()
        await page.get_by_role("button", name="Finish interview").click()
        await expect(page.get_by_role("alert")).to_contain_text("Answer at least one question")

        answer = "I led our move from a monolith to services, one team and one service at a time."
        await page.get_by_label(QUESTIONS[0]).fill(answer)
        await page.get_by_label(QUESTIONS[1]).fill(
            "How the product is used, and the on-call setup."
        )
        await expect(page.get_by_label("Record video (camera on)")).to_be_checked()
        await screenshot(page, "sandbox-interview")
        await screenshot(page, "sandbox-interview", phone=True)
        await page.get_by_role("button", name="Finish interview").click()
        await expect(page.get_by_role("heading", name="Thank you, Grace!")).to_be_visible()
        await screenshot(page, "sandbox-interview-done")

        result = await ribbon.get_interview(made.interview_id)
        assert result.status is InterviewStatus.COMPLETED
        answers = [s.text for s in result.transcript if s.role.value == "candidate"]
        assert answers[0] == answer

    await page.goto(made.link.rsplit("/", 1)[0] + "/" + str(uuid.uuid4()))
    await expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    await screenshot(page, "sandbox-bad-link")

    async with httpx.AsyncClient(base_url=f"{base}/admin") as admin:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            truth = (await admin.get(f"/interviews/{made.interview_id}")).json()
            if truth["interview_data"]["video_url"]:
                break
            await asyncio.sleep(0.1)
        assert truth["interview_data"]["video_url"]

    await page.goto("/sandbox/")
    await expect(page.get_by_role("cell", name="Engineering Manager")).to_be_visible()
    await screenshot(page, "sandbox-index")

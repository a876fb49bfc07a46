"""Cards and results as the server renders them: every status, full / partial / empty results,
escaping, and other organisations' ids answering 404."""

from __future__ import annotations

import pytest

from app import db
from tests.conftest import login
from tests.dashboard_factories import (
    FULL_SCORES,
    make_assessment,
    make_invitation,
    set_result,
    set_status,
)

HX = {"HX-Request": "true"}

CASES = [
    ("sending", {}, ["Sending", "Creating the interview"]),
    ("invited", {}, ["Invited", "Resend", "Cancel"]),
    ("pending", {}, ["Pending", "results on their way"]),
    ("partial", {"missing": ["video"], "overall": 4.0}, ["Partial", "video processing", "4"]),
    ("complete", {"overall": 3.83}, ["Complete", "3.8", "overall"]),
    ("expired", {}, ["Expired", "expired"]),
    ("cancelled", {}, ["Cancelled"]),
    ("failed", {"failure_reason": "Ribbon refused the email"}, ["Failed", "Ribbon refused"]),
]


@pytest.mark.parametrize(("status", "columns", "texts"), CASES)
async def test_card_renders_each_status(client, make_account, status, columns, texts):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(assessment)
    await set_status(inv, status, **columns)
    await login(client, account)

    fragment = await client.get(f"/invitations/{inv.id}/card", headers=HX)
    assert fragment.status_code == 200
    assert fragment.headers["vary"] == "HX-Request"
    assert fragment.text.lstrip().startswith("<article")
    assert f'hx-trigger="sse:card-{inv.id}, sse:resync' in fragment.text
    assert ("every 30s" in fragment.text) == (
        status in ("sending", "invited", "pending", "partial")
    )
    for text in texts:
        assert text in fragment.text

    page = await client.get(f"/invitations/{inv.id}/card")
    assert page.status_code == 200
    assert "<html" in page.text
    assert f"/jobs/{inv.job_id}/stream?since=" in page.text


async def test_full_partial_and_empty_results_are_labelled(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    full = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(full, "complete", overall=4.0)
    await set_result(
        full, video_url="https://media.example/v.mp4", audio_url="https://media.example/a.mp3"
    )
    partial = await make_invitation(assessment)
    core_only = {k: v for k, v in FULL_SCORES.items() if not k.startswith("language")}
    del core_only["skills"]
    await set_status(partial, "partial", missing=["score: skills", "video"], overall=4.25)
    await set_result(partial, scores=core_only)
    empty = await make_invitation(assessment)
    await login(client, account)

    page = (await client.get(f"/invitations/{full.id}/result")).text
    assert "Grace Hopper" in page
    assert "<svg" in page
    assert "Communication: 4.5 out of 5" in page
    assert "Comprehension: 5 out of 5" in page
    assert "Missing" not in page
    assert "Not reported" not in page
    assert '<video class="result-video"' in page
    assert "Video of the interview with Grace Hopper" in page  # players are labelled
    assert "https://media.example/a.mp3" in page
    assert 'class="t-seek' in page  # timestamps play the recording from there
    assert "Q1</span> Tell me about yourself." in page
    assert "0:03" in page
    assert "A thoughtful, well-prepared candidate." in page

    page = (await client.get(f"/invitations/{partial.id}/result")).text
    assert "Partial result: still waiting for score: skills, video processing" in page
    assert "Skills: missing." in page
    # the four language scores a non-language assessment never has: one line, no chart rows
    assert "Language comprehension: not reported." not in page
    assert "Not reported: Language vocabulary" in page
    assert page.count('class="score-row score-not_reported') == 0
    assert "Missing" in page
    assert "Video still processing" in page
    assert "Skills: 0" not in page

    page = (await client.get(f"/invitations/{empty.id}/result")).text
    assert "No results yet." in page
    assert "<svg" not in page


async def test_script_in_a_candidate_name_is_text(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(assessment, first_name="<script>alert(1)</script>")
    await set_status(inv, "complete", overall=3.0)
    await set_result(inv, summary="<b>bold</b>")
    await login(client, account)
    for url in (f"/invitations/{inv.id}/result", f"/invitations/{inv.id}/card"):
        text = (await client.get(url)).text
        assert "<script>alert(1)</script>" not in text
        assert "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


async def test_other_organisations_cards_and_results_are_404(client, make_account):
    mine = await make_account(org_name="Mine")
    theirs = await make_account(org_name="Theirs")
    inv = await make_invitation(await make_assessment(theirs.organisation_id))
    await login(client, mine)
    for url in (f"/invitations/{inv.id}/card", f"/invitations/{inv.id}/result"):
        assert (await client.get(url)).status_code == 404
        assert (await client.get(url, headers=HX)).status_code == 404


async def test_home_counts_recent_results_and_attention_for_admins_only(client, make_account):
    admin = await make_account(org_name="Org")
    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    assessment = await make_assessment(admin.organisation_id)
    done = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(done, "complete", overall=4.5)
    await make_invitation(assessment)
    other_org = await make_account(org_name="Other")
    await set_status(
        await make_invitation(await make_assessment(other_org.organisation_id)), "complete"
    )
    from app import db

    await db.fetch(
        """INSERT INTO webhook_delivery (organisation_id, provider, idempotency_key, status,
             event_type, last_error) VALUES ($1, 'ribbon', 'k', 'dead', 'interview_processed',
             'gave up')""",
        admin.organisation_id,
    )
    await login(client, admin)
    page = (await client.get("/")).text
    assert "1 webhook delivery needs attention" in page
    assert "gave up" in page
    assert "Grace Hopper" in page
    assert page.count('class="inv-card status-') == 1  # latest results: this organisation's only

    client.cookies.clear()
    await login(client, recruiter)
    page = (await client.get("/")).text
    assert "needs attention" not in page
    assert "Grace Hopper" in page


async def test_card_heading_is_kept_by_refresh_and_actions(client, make_account):
    """Issue 17 bug 2: on the assessment page a card is titled with the candidate's name, and
    its own refresh and its action answers keep that title."""
    import re

    from tests.conftest import form_post

    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await login(client, account)

    def title(html: str) -> str:
        found = re.search(r'class="inv-card-title"[^>]*>(.*?)</h3>', html, re.S)
        assert found, html
        return re.sub(r"<[^>]+>", " ", found.group(1)).strip()

    page = await client.get(f"/assessments/{assessment.id}")
    assert title(page.text) == "Grace Hopper"
    assert f'hx-get="/invitations/{inv.id}/card?heading=candidate"' in page.text

    card = await client.get(f"/invitations/{inv.id}/card?heading=candidate", headers=HX)
    assert title(card.text) == "Grace Hopper"
    card = await client.get(f"/invitations/{inv.id}/card?heading=nonsense", headers=HX)
    assert title(card.text) == "Assessment"
    card = await client.get(f"/invitations/{inv.id}/card", headers=HX)
    assert title(card.text) == "Assessment"

    cancelled = await form_post(
        client, f"/invitations/{inv.id}/cancel", {"heading": "candidate"}, headers=HX
    )
    assert cancelled.status_code == 200
    assert "status-cancelled" in cancelled.text
    assert title(cancelled.text) == "Grace Hopper"


async def test_a_card_says_when_the_invitation_email_was_not_sent(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    invitation = await make_invitation(assessment)
    await set_status(invitation, "invited")
    await login(client, account)

    async def card() -> str:
        answer = await client.get(f"/invitations/{invitation.id}/card", headers={"HX-Request": "1"})
        assert answer.status_code == 200
        return answer.text

    assert "Not sent" not in await card()  # no email written yet: nothing to say
    for status, says in [("not_sent", "No email was sent"), ("failed", "Sending the email failed")]:
        await db.fetch(
            """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
                   to_address, subject, body_text, body_html, status)
               VALUES ($1, $2, $3, 'invite', 'x@example.com', 's', 't', 'h', $4)""",
            account.organisation_id,
            invitation.id,
            invitation.candidate_id,
            status,
        )
        text = await card()
        assert "Not sent" in text
        assert says in text
    await db.fetch("UPDATE email_message SET status = 'sent'")
    assert "Not sent" not in await card()

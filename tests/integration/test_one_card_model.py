"""Every place that shows an invitation's card renders the same Card from the same query: the
card endpoint (what live updates and actions swap in), the job, assessment, candidate and home
pages, and the API's summary name the candidate alike and say the same about what is missing."""

from __future__ import annotations

import re

import pytest

from app.accounts.service import create_api_token
from app.invitations import cards
from tests.conftest import login
from tests.dashboard_factories import make_assessment, make_invitation, set_status

pytestmark = pytest.mark.usefixtures("clean_db")

HX = {"HX-Request": "true"}


def article(html: str, invitation_id: object) -> str:
    found = re.search(
        rf'<article class="inv-card[^>]*id="inv-{invitation_id}".*?</article>', html, re.S
    )
    assert found, f"no card of {invitation_id}"
    return found.group(0)


def title(card_html: str) -> str:
    found = re.search(r'class="inv-card-title"[^>]*>(.*?)</h3>', card_html, re.S)
    assert found
    return re.sub(r"<[^>]+>", " ", found.group(1)).split()[0]


async def test_every_page_renders_the_same_card(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(assessment, first_name="", last_name="")
    await set_status(inv, "partial", missing=["summary", "video"], overall=3.5)
    await login(client, account)

    fragment = (await client.get(f"/invitations/{inv.id}/card", headers=HX)).text
    job_page = article((await client.get(f"/jobs/{inv.job_id}")).text, inv.id)
    candidate_page = article((await client.get(f"/candidates/{inv.candidate_id}")).text, inv.id)
    assert article(fragment, inv.id) == job_page == candidate_page
    assert "Waiting for summary, video processing" in fragment
    assert "every 30s" in fragment  # Card.waiting

    # Titled with the candidate: named as everywhere else (no name: the email address).
    by_candidate = article((await client.get(f"/assessments/{assessment.id}")).text, inv.id)
    assert title(by_candidate) == inv.email
    home = article((await client.get("/")).text, inv.id)
    assert title(home) == inv.email

    card = await cards.card_for(account.organisation_id, inv.id)
    assert card is not None
    assert card.candidate_name == inv.email
    assert card.missing_labels == ["summary", "video processing"]


async def test_the_api_summary_is_the_card(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(assessment, first_name="", last_name="")
    await set_status(inv, "partial", missing=["video"])

    token = await create_api_token(account.email)
    answer = await client.get(
        f"/api/v1/invitations/{inv.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    summary = answer.json()["invitation"]
    card = await cards.card_for(account.organisation_id, inv.id)
    assert card is not None
    assert (summary["candidate_name"], summary["candidate_email"]) == (inv.email, inv.email)
    assert (summary["status"], summary["missing"]) == (card.status, list(card.missing))

"""A pipeline move that could not be applied is lost for good (Ribbon has no API to read moves
back): the candidate page says the provider's stage may be stale and links admins to the
delivery, whose replay applies the move."""

from __future__ import annotations

from app import db
from tests.conftest import form_post, login
from tests.factories import make_assessment, make_invitation
from tests.webhook_support import FakeRibbon, drain, fake_resources, make_due, move_body, post

EMAIL = "late.invite@example.org"
STALE = "may be stale"


async def test_a_dead_move_shows_on_the_candidate_page_until_it_is_replayed(
    client, settings, make_account
):
    admin = await make_account(ribbon_api_key="k")
    org = admin.organisation_id
    assessment = await make_assessment(org)
    body = move_body(assessment.flow_id, EMAIL, "applied", "shortlisted")
    assert (await post(client, assessment.token, body, assessment.secret)).status_code == 202
    for _ in range(6):  # the candidate is unknown: retried, then dead
        await drain(settings, fake_resources(FakeRibbon()))
        await make_due()
    delivery = await db.fetchrow("SELECT id, status, invitation_id FROM webhook_delivery")
    assert delivery is not None
    assert (delivery["status"], delivery["invitation_id"]) == ("dead", None)
    # The invitation is committed afterwards (or the email was corrected since).
    inv = await make_invitation(assessment, email=EMAIL.upper())
    # Another candidate of the same assessment is not concerned.
    other = await make_invitation(assessment)

    await login(client, admin)
    page = await client.get(f"/candidates/{inv.candidate_id}")
    assert page.status_code == 200
    assert STALE in page.text
    assert f'href="/deliveries/{delivery["id"]}"' in page.text
    assert STALE not in (await client.get(f"/candidates/{other.candidate_id}")).text

    recruiter = await make_account(role="recruiter", organisation_id=org)
    client.cookies.clear()
    await login(client, recruiter)
    seen = await client.get(f"/candidates/{inv.candidate_id}")
    assert STALE in seen.text
    assert "/deliveries/" not in seen.text  # the delivery log is for admins

    client.cookies.clear()
    await login(client, admin)
    replayed = await form_post(
        client, f"/deliveries/{delivery['id']}/replay", {}, follow_redirects=False
    )
    assert replayed.status_code in (302, 303)
    await drain(settings, fake_resources(FakeRibbon()))
    assert await db.fetchval("SELECT status FROM webhook_delivery") == "processed"
    assert (
        await db.fetchval("SELECT provider_stage FROM invitation WHERE id = $1", inv.id)
        == "shortlisted"
    )
    after = await client.get(f"/candidates/{inv.candidate_id}")
    assert STALE not in after.text
    assert "shortlisted" in after.text

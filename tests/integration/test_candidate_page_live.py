"""The candidate page follows each of the candidate's jobs live (cards and results refetch on
the job's stream), and an erased candidate's results say so instead of waiting forever."""

from __future__ import annotations

from tests.conftest import form_post, login
from tests.dashboard_factories import (
    make_assessment,
    make_invitation,
    set_result,
    set_status,
)
from tests.factories import make_application

HX = {"HX-Request": "true"}


async def test_one_live_region_per_job_and_result_fragment(client, make_account):
    account = await make_account()
    first = await make_assessment(account.organisation_id, video_enabled=True)
    second = await make_assessment(account.organisation_id)
    inv = await make_invitation(first, first_name="Grace", last_name="Hopper")
    await set_status(inv, "complete", overall=4.0)
    await set_result(inv, video_url="https://media.example/v.mp4")
    # The same person in a second job, invited there too.
    await make_application(account.organisation_id, second.job_id, inv.candidate_id)
    from app import db

    other = await db.fetchval(
        """INSERT INTO invitation (organisation_id, assessment_id, application_id, candidate_id,
               job_id, status)
           SELECT $1, $2, id, candidate_id, job_id, 'invited' FROM application
           WHERE job_id = $3 AND candidate_id = $4 RETURNING id""",
        account.organisation_id,
        second.id,
        second.job_id,
        inv.candidate_id,
    )
    await login(client, account)

    page = await client.get(f"/candidates/{inv.candidate_id}")
    assert page.status_code == 200
    assert page.text.count('sse-connect="/jobs/') == 2
    assert f'sse-connect="/jobs/{first.job_id}/stream?since=' in page.text
    assert f'sse-connect="/jobs/{second.job_id}/stream?since=' in page.text
    assert f'hx-get="/invitations/{inv.id}/result" hx-trigger="sse:card-{inv.id}' in page.text
    assert f'id="inv-{other}"' in page.text

    fragment = await client.get(f"/invitations/{inv.id}/result", headers=HX)
    assert fragment.status_code == 200
    assert fragment.headers["vary"] == "HX-Request"
    assert fragment.text.lstrip().startswith("<section")
    assert "A thoughtful, well-prepared candidate." in fragment.text
    full = await client.get(f"/invitations/{inv.id}/result")
    assert "<html" in full.text

    client.cookies.clear()
    await login(client, await make_account(org_name="Other"))
    assert (await client.get(f"/invitations/{inv.id}/result", headers=HX)).status_code == 404


async def test_erased_candidate_results_say_erased(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id, video_enabled=True)
    inv = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    await set_status(inv, "partial", missing=["video"], overall=4.0)
    await set_result(inv, video_url=None)
    await login(client, account)
    before = await client.get(f"/candidates/{inv.candidate_id}")
    assert "Video still processing" in before.text

    erased = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"}
    )
    assert erased.status_code in (200, 302, 303), erased.text[:300]

    page = await client.get(f"/candidates/{inv.candidate_id}")
    assert "personal data was erased" in page.text
    assert "Video still processing" not in page.text
    assert "No summary yet" not in page.text
    assert "No transcript yet" not in page.text
    assert "Waiting for video processing" not in page.text
    assert "no more results will arrive" in page.text

    card = await client.get(f"/invitations/{inv.id}/card", headers=HX)
    assert "Personal data erased" in card.text
    assert "every 30s" not in card.text  # nothing left to wait for
    job = await client.get(f"/jobs/{inv.job_id}")
    assert "Personal data erased" in job.text

"""Jobs from the dashboard: create, list with counts, edit, close and reopen, other orgs 404."""

from __future__ import annotations

from app import db
from tests.conftest import form_post, login


async def _create(client, title="Backend Engineer", **extra):
    response = await form_post(client, "/jobs", {"title": title, **extra}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    return response.headers["location"].split("?")[0].rsplit("/", 1)[1]


async def test_create_list_edit_close_reopen(client, make_account):
    account = await make_account(org_name="Initech")
    await login(client, account)
    job_id = await _create(client, department="Platform", location="Remote")
    page = await client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert "Backend Engineer" in page.text
    assert "Platform" in page.text

    listing = await client.get("/jobs")
    assert "Backend Engineer" in listing.text

    edited = await form_post(
        client, f"/jobs/{job_id}/edit", {"title": "Senior Backend Engineer"}, follow_redirects=False
    )
    assert edited.status_code in (302, 303)
    assert await db.fetchval("SELECT title FROM job WHERE id = $1", job_id) == (
        "Senior Backend Engineer"
    )

    await form_post(client, f"/jobs/{job_id}/status", {"status": "closed"})
    assert await db.fetchval("SELECT status FROM job WHERE id = $1", job_id) == "closed"
    assert "Senior Backend Engineer" in (await client.get("/jobs?status=closed")).text
    assert "Senior Backend Engineer" not in (await client.get("/jobs?status=open")).text
    await form_post(client, f"/jobs/{job_id}/status", {"status": "open"})
    assert await db.fetchval("SELECT status FROM job WHERE id = $1", job_id) == "open"
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_event")}
    assert {"job_created", "job_updated", "job_closed", "job_reopened"} <= actions


async def test_bad_input_is_400_and_saves_nothing(client, make_account):
    await login(client, await make_account())
    response = await form_post(client, "/jobs", {"title": "   "})
    assert response.status_code == 400
    assert "title" in response.text
    long = await form_post(client, "/jobs", {"title": "x" * 201})
    assert long.status_code == 400
    assert await db.fetchval("SELECT count(*) FROM job") == 0
    job_id = await _create(client, title="Night\x00 shift")
    assert await db.fetchval("SELECT title FROM job") == "Night shift"
    bad = await form_post(client, f"/jobs/{job_id}/status", {"status": "deleted"})
    assert bad.status_code == 400


async def test_list_counts_candidates_and_invitations_by_status(client, make_account):
    account = await make_account()
    await login(client, account)
    job_id = await _create(client, title="Designer")
    for n in range(3):
        await form_post(
            client,
            f"/jobs/{job_id}/candidates",
            {"email": f"p{n}@example.com", "first_name": f"P{n}", "last_name": "X"},
        )
    listing = await client.get("/jobs")
    assert "Designer" in listing.text
    rows = await db.fetch("SELECT count(*) FROM application WHERE job_id = $1", job_id)
    assert rows[0][0] == 3
    from app.jobs.service import list_jobs

    jobs = await list_jobs(account.organisation_id)
    assert jobs[0]["candidates"] == 3
    assert jobs[0]["invitations"] == {}


async def test_another_organisations_job_is_404(client, make_account):
    other = await make_account(org_name="Other")
    await login(client, other)
    job_id = await _create(client, title="Secret role")
    client.cookies.clear()
    await login(client, await make_account(org_name="Mine"))
    assert (await client.get(f"/jobs/{job_id}")).status_code == 404
    assert (await client.get(f"/jobs/{job_id}/edit")).status_code == 404
    assert (await form_post(client, f"/jobs/{job_id}/edit", {"title": "x"})).status_code == 404
    assert (
        await form_post(client, f"/jobs/{job_id}/status", {"status": "closed"})
    ).status_code == 404
    assert "Secret role" not in (await client.get("/jobs")).text
    assert await db.fetchval("SELECT status FROM job WHERE id = $1", job_id) == "open"


async def test_home_tiles_lead_to_the_jobs_with_those_invitations(client, make_account):
    from tests.dashboard_factories import make_assessment, make_invitation, set_status

    account = await make_account()
    busy = await make_assessment(account.organisation_id)
    quiet = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE job SET title = 'Busy job' WHERE id = $1", busy.job_id)
    await db.fetch("UPDATE job SET title = 'Quiet job' WHERE id = $1", quiet.job_id)
    partial = await make_invitation(busy)
    await set_status(partial, "partial", missing=["video"], overall=3.0)
    await make_invitation(quiet)
    await login(client, account)
    home = (await client.get("/")).text
    assert 'href="/jobs?having=partial"' in home
    listing = (await client.get("/jobs?having=partial")).text
    assert "Open jobs with partial invitations" in listing
    assert "Busy job" in listing
    assert "Quiet job" not in listing
    assert f'href="/jobs/{busy.job_id}?status=partial"' in listing  # on to the filtered job
    assert "Quiet job" in (await client.get("/jobs?having=nonsense")).text  # unknown: ignored

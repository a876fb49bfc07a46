"""A closed job (issue 17 bug 6): its page offers no Invite, Add a candidate, Import CSV or New
assessment, and the server refuses each of them, on the dashboard and the API, with a 409 that
says to reopen the job; nothing is created. Reopened, everything works again."""

from __future__ import annotations

from app import db
from app.accounts.service import create_api_token
from tests.conftest import form_post, login
from tests.factories import make_assessment, make_candidate

REASON = "This job is closed"
CSV = "email,first_name\nkim@example.com,Kim\n"


async def _closed_job(account):
    assessment = await make_assessment(account.organisation_id)
    candidate = await make_candidate(account.organisation_id, first_name="Grace")
    await db.fetch(
        "INSERT INTO application (organisation_id, job_id, candidate_id) VALUES ($1, $2, $3)",
        account.organisation_id,
        assessment.job_id,
        candidate,
    )
    await db.fetch("UPDATE job SET status = 'closed' WHERE id = $1", assessment.job_id)
    return assessment, candidate


async def _counts() -> tuple[int, int, int, int]:
    return (
        await db.fetchval("SELECT count(*) FROM invitation"),
        await db.fetchval("SELECT count(*) FROM application"),
        await db.fetchval("SELECT count(*) FROM candidate"),
        await db.fetchval("SELECT count(*) FROM assessment"),
    )


async def test_closed_job_page_offers_no_growing_actions(client, make_account):
    account = await make_account()
    assessment, _ = await _closed_job(account)
    await login(client, account)
    page = await client.get(f"/jobs/{assessment.job_id}")
    assert page.status_code == 200
    html = page.text
    assert "Reopen job" in html
    assert "This job is closed" in html
    for offered in (
        f'href="/jobs/{assessment.job_id}/assessments/new"',
        f'href="/jobs/{assessment.job_id}/candidates/import"',
        f'action="/jobs/{assessment.job_id}/candidates"',
        f'action="/jobs/{assessment.job_id}/invitations"',
        "Invite selected",
        "Add a candidate",
    ):
        assert offered not in html, offered
    detail = await client.get(f"/assessments/{assessment.id}")
    assert "Invite candidates" not in detail.text

    await form_post(client, f"/jobs/{assessment.job_id}/status", {"status": "open"})
    html = (await client.get(f"/jobs/{assessment.job_id}")).text
    assert "Invite selected" in html
    assert "Add a candidate" in html
    assert f'href="/jobs/{assessment.job_id}/assessments/new"' in html


async def test_closed_job_refuses_invites_candidates_and_assessments(client, make_account):
    account = await make_account()
    assessment, candidate = await _closed_job(account)
    job = assessment.job_id
    before = await _counts()
    await login(client, account)

    attempts = [
        await form_post(
            client,
            f"/jobs/{job}/invitations",
            {"mode": "selected", "candidate_ids": str(candidate), "assessment_id": assessment.id},
        ),
        await form_post(
            client,
            f"/jobs/{job}/invitations",
            {"mode": "all", "assessment_id": str(assessment.id)},
        ),
        await form_post(
            client, f"/jobs/{job}/candidates", {"first_name": "Kim", "email": "kim@example.com"}
        ),
        await client.get(f"/jobs/{job}/candidates/import"),
        await form_post(client, f"/jobs/{job}/candidates/import/confirm", {"csv_text": CSV}),
        await client.get(f"/jobs/{job}/assessments/new"),
        await form_post(
            client,
            f"/jobs/{job}/assessments",
            {"title": "Second round", "questions": "Why us?", "language": "en-US"},
        ),
    ]
    for response in attempts:
        assert response.status_code == 409, (response.request.url, response.status_code)
        assert REASON in response.text, response.request.url
        assert "reopen" in response.text.lower()

    htmx = await form_post(
        client,
        f"/jobs/{job}/candidates",
        {"first_name": "Kim", "email": "kim@example.com"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 409
    assert REASON in htmx.headers["HX-Trigger"]  # shown as a toast

    auth = {"Authorization": f"Bearer {await create_api_token(account.email)}"}
    api = [
        await client.post(
            f"/api/v1/assessments/{assessment.id}/invitations",
            json={"candidate_ids": [str(candidate)]},
            headers=auth,
        ),
        await client.post(
            f"/api/v1/jobs/{job}/candidates",
            json={"email": "kim@example.com", "first_name": "Kim"},
            headers=auth,
        ),
        await client.post(
            f"/api/v1/jobs/{job}/candidates/import",
            content=CSV,
            headers={**auth, "Content-Type": "text/csv"},
        ),
        await client.post(
            f"/api/v1/jobs/{job}/assessments",
            json={"title": "Second round", "questions": ["Why us?"]},
            headers=auth,
        ),
    ]
    for response in api:
        assert response.status_code == 409, (response.request.url, response.text)
        assert REASON in response.json()["message"]
    assert await _counts() == before

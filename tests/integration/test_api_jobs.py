"""The JSON API for jobs and candidates: Bearer tokens only, validation as JSON errors,
CSV import with per-row results, OpenAPI, and 404 for another organisation's ids."""

from __future__ import annotations

from app import db
from app.accounts.service import create_api_token


async def _bearer(account) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_api_token(account.email)}"}


async def test_jobs_crud_and_validation(client, make_account):
    account = await make_account()
    auth = await _bearer(account)
    created = await client.post(
        "/api/v1/jobs", json={"title": "QA Lead", "department": "Quality"}, headers=auth
    )
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["title"] == "QA Lead"
    assert job["status"] == "open"
    assert job["candidates"] == 0
    listed = await client.get("/api/v1/jobs", headers=auth)
    assert [j["id"] for j in listed.json()] == [job["id"]]
    patched = await client.patch(
        f"/api/v1/jobs/{job['id']}", json={"status": "closed", "location": "Berlin"}, headers=auth
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "closed"
    assert patched.json()["location"] == "Berlin"
    assert patched.json()["title"] == "QA Lead"
    closed = await client.get("/api/v1/jobs?status=closed", headers=auth)
    assert len(closed.json()) == 1
    for body in ({"title": ""}, {"title": "x" * 201}, {}, {"title": 5}):
        bad = await client.post("/api/v1/jobs", json=body, headers=auth)
        assert bad.status_code == 400, body
        assert bad.json()["message"]
    bad_patch = await client.patch(
        f"/api/v1/jobs/{job['id']}", json={"status": "archived"}, headers=auth
    )
    assert bad_patch.status_code == 400
    assert "open or closed" in bad_patch.json()["message"]
    assert await db.fetchval("SELECT count(*) FROM job") == 1


async def test_session_cookie_is_not_enough_for_the_api(client, make_account):
    from tests.conftest import login

    account = await make_account()
    await login(client, account)
    response = await client.get("/api/v1/jobs")
    assert response.status_code == 401
    assert "message" in response.json()


async def test_candidates_add_list_and_import(client, make_account):
    account = await make_account()
    auth = await _bearer(account)
    job = (await client.post("/api/v1/jobs", json={"title": "Ops"}, headers=auth)).json()
    url = f"/api/v1/jobs/{job['id']}/candidates"
    one = await client.post(
        url,
        json={"email": "Kim@Example.com", "first_name": "Kim", "last_name": "Lee"},
        headers=auth,
    )
    assert one.status_code == 201, one.text
    assert one.json()["email"] == "kim@example.com"
    assert one.json()["stage"] == "applied"
    dup = await client.post(url, json={"email": "kim@example.com", "first_name": "K"}, headers=auth)
    assert dup.status_code == 409
    assert "already" in dup.json()["message"]
    bad = await client.post(url, json={"email": "nope", "first_name": "K"}, headers=auth)
    assert bad.status_code == 400
    assert "is not an email address" in bad.json()["message"]

    csv = "email,first_name,last_name\nkim@example.com,Kim,Lee\nsam@example.com,Sam,Ng\nbad,B,C\n"
    dry = await client.post(
        f"{url}/import?dry_run=true",
        content=csv.encode(),
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["added"] == 0
    assert dry.json()["valid"] == 1
    assert dry.json()["invalid"] == 2
    imported = await client.post(
        f"{url}/import", files={"file": ("c.csv", csv.encode(), "text/csv")}, headers=auth
    )
    body = imported.json()
    assert imported.status_code == 200
    assert body["added"] == 1
    assert body["total"] == 3
    errors = {r["line"]: r["errors"] for r in body["rows"]}
    assert errors[2] == ["already a candidate for this job"]
    assert errors[3] == []
    assert "is not an email address" in errors[4][0]
    listed = await client.get(url, headers=auth)
    assert {c["email"] for c in listed.json()} == {"kim@example.com", "sam@example.com"}
    not_csv = await client.post(
        f"{url}/import", content=b"\xff\xfe\x00", headers={**auth, "Content-Type": "text/csv"}
    )
    assert not_csv.status_code == 400
    assert "'email' column" in not_csv.json()["message"]
    huge = await client.post(
        f"{url}/import",
        content=b"email,first_name\n" + b"x" * (20 * 1024 * 1024 + 10),
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert huge.status_code == 413


async def test_openapi_lists_the_recruiter_endpoints(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/jobs", "post"),
        ("/api/v1/jobs/{job_id}", "patch"),
        ("/api/v1/jobs/{job_id}/candidates", "post"),
        ("/api/v1/jobs/{job_id}/candidates/import", "post"),
        ("/api/v1/jobs/{job_id}/assessments", "post"),
        ("/api/v1/assessments/{assessment_id}", "get"),
        ("/api/v1/assessments/{assessment_id}/invitations", "post"),
        ("/api/v1/invitations/{invitation_id}", "get"),
    ]:
        assert method in paths[path], (path, method)
    assert "AssessmentCreate" in str(schema["components"])


async def test_another_organisations_ids_are_404_on_the_api(client, make_account):
    theirs = await make_account(org_name="Theirs")
    their_auth = await _bearer(theirs)
    job = (await client.post("/api/v1/jobs", json={"title": "Secret"}, headers=their_auth)).json()
    auth = await _bearer(await make_account(org_name="Mine"))
    base = f"/api/v1/jobs/{job['id']}"
    assert (await client.get(base, headers=auth)).status_code == 404
    assert (await client.patch(base, json={"title": "x"}, headers=auth)).status_code == 404
    assert (await client.get(f"{base}/candidates", headers=auth)).status_code == 404
    add = await client.post(
        f"{base}/candidates", json={"email": "a@example.com", "first_name": "A"}, headers=auth
    )
    assert add.status_code == 404
    imp = await client.post(
        f"{base}/candidates/import",
        content=b"email,first_name\na@example.com,A\n",
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert imp.status_code == 404
    assert (await client.get(f"{base}/assessments", headers=auth)).status_code == 404
    create = await client.post(
        f"{base}/assessments", json={"title": "T", "questions": ["Q?"]}, headers=auth
    )
    assert create.status_code == 404
    assert await db.fetchval("SELECT title FROM job") == "Secret"
    assert await db.fetchval("SELECT count(*) FROM candidate") == 0

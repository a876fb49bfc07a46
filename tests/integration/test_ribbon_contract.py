"""The Ribbon client against the sandbox over real HTTP: the same expectations the unit tests
check with recorded payloads (every endpoint, paging, error mapping, retries)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from stamina.instrumentation import set_on_retry_hooks

from app.providers.base import (
    FlowSpec,
    InterviewStatus,
    ProviderAuthError,
    ProviderNotFound,
    ProviderRejected,
    ProviderUnavailable,
    SegmentRole,
)
from app.providers.ribbon.client import RetryPolicy, RibbonClient

FAST = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.05, wait_jitter=0.0)
SPEC = FlowSpec(
    org_name="Acme",
    title="Backend Engineer",
    questions=("Tell me about a hard bug.", "Why this team?"),
    video_enabled=True,
)


@pytest.fixture
async def sandbox(live_server, clean_db):
    async with httpx.AsyncClient(base_url=f"{live_server.url}/sandbox/api/admin") as admin:
        yield admin


class Counting(httpx.AsyncBaseTransport):
    """Real HTTP, counting the requests the client really made."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def ribbon(live_server, key: str | None = None, **kwargs) -> RibbonClient:
    return RibbonClient(
        str(uuid.uuid4()) if key is None else key,
        f"{live_server.url}/sandbox/api",
        retry=kwargs.pop("retry", FAST),
        **kwargs,
    )


async def test_every_endpoint_round_trips(live_server, sandbox):
    async with ribbon(live_server) as client:
        await client.ping()
        flow_id = await client.create_flow(SPEC)
        flow = await client.get_flow(flow_id)
        assert flow.questions == SPEC.questions
        assert flow.video_enabled is True
        assert flow.title == "Backend Engineer"

        made = await client.create_interview(flow_id, "ada@example.com", "Ada", "Lovelace")
        assert made.link.startswith(f"{live_server.url}/sandbox/interview/{made.interview_id}/")
        pending = await client.get_interview(made.interview_id)
        assert pending.status is InterviewStatus.INCOMPLETE
        assert pending.problems == ()
        assert pending.flow_id == flow_id

        done = await sandbox.post(
            f"/interviews/{made.interview_id}/complete", json={"answers": ["A" * 5]}
        )
        assert done.status_code == 200, done.text
        result = await client.get_interview(made.interview_id)
    assert result.status is InterviewStatus.COMPLETED
    assert result.problems == ()
    assert result.candidate.email == "ada@example.com"
    assert [q.question for q in result.questions] == list(SPEC.questions)
    for question in result.questions:
        roles = [result.transcript[i].role for i in question.segment_indices]
        assert roles == [SegmentRole.INTERVIEWER, SegmentRole.CANDIDATE]
    assert result.transcript[result.questions[0].segment_indices[1]].text == "AAAAA"
    assert result.summary
    assert result.audio_url
    assert result.audio_url.startswith("http")
    assert set(result.scores) <= {"communication", "motivation", "skills"}
    assert "skills" not in result.scores  # a five-letter answer is too short to judge skills
    assert all(s.scale == 5 and 1 <= s.value <= 5 for s in result.scores.values())


async def test_paging_to_the_end_and_status_filter(live_server, sandbox):
    async with ribbon(live_server, page_size=2) as client:
        flow_ids = {await client.create_flow(SPEC) for _ in range(3)}
        listed = [f.flow_id async for f in client.list_flows()]
        assert sorted(listed) == sorted(flow_ids)
        flow_id = sorted(flow_ids)[0]
        made = [await client.create_interview(flow_id, None, None, None) for _ in range(5)]
        for interview in made[:2]:
            response = await sandbox.post(f"/interviews/{interview.interview_id}/complete")
            assert response.status_code == 200
        everything = [r.interview_id async for r in client.list_interviews()]
        completed = [
            r.interview_id async for r in client.list_interviews(InterviewStatus.COMPLETED)
        ]
        incomplete = [r async for r in client.list_interviews(InterviewStatus.INCOMPLETE)]
    assert sorted(everything) == sorted(m.interview_id for m in made)
    assert sorted(completed) == sorted(m.interview_id for m in made[:2])
    assert len(incomplete) == 3


async def test_teams_are_isolated_by_api_key(live_server, sandbox):
    async with ribbon(live_server) as mine, ribbon(live_server) as theirs:
        flow_id = await mine.create_flow(SPEC)
        with pytest.raises(ProviderNotFound):
            await theirs.get_flow(flow_id)
        with pytest.raises(ProviderNotFound):
            await theirs.create_interview(flow_id, None, None, None)
        assert [f async for f in theirs.list_flows()] == []


async def test_error_mapping(live_server, sandbox):
    key = str(uuid.uuid4())
    async with ribbon(live_server, key=key) as client:
        with pytest.raises(ProviderRejected, match="questions"):
            await client.create_flow(FlowSpec(org_name="Acme", title="T", questions=()))
        with pytest.raises(ProviderNotFound):
            await client.get_interview(str(uuid.uuid4()))
        await sandbox.post("/knobs", json={"rejected_api_keys": [key]})
        with pytest.raises(ProviderAuthError, match="rejected the API key"):
            await client.ping()
    async with ribbon(live_server, key="not-a-uuid") as client:
        with pytest.raises(ProviderAuthError):
            await client.ping()
    # Ribbon's own error shape, as the client sees it.
    raw = await httpx.AsyncClient().post(
        f"{live_server.url}/sandbox/api/v1/interview-flows",
        json={"title": "T", "questions": ["Q"]},
        headers={"Authorization": f"Bearer {uuid.uuid4()}"},
    )
    assert raw.status_code == 422
    assert raw.json() == {
        "message": "org_name is required",
        "code": "validation_error",
        "status": 422,
    }
    missing = await httpx.AsyncClient().get(f"{live_server.url}/sandbox/api/v1/ping")
    assert missing.status_code == 401
    assert missing.json()["message"] == "Missing API key"


async def test_503_then_200_succeeds_and_401_is_not_retried(live_server, sandbox):
    await sandbox.post("/knobs", json={"api_error": "503", "api_error_next": 1})
    counting = Counting()
    async with ribbon(live_server, transport=counting) as client:
        await client.ping()
    assert len(counting.requests) == 2
    knobs = (await sandbox.get("/knobs")).json()["knobs"]
    assert knobs["api_error_next"] == 0  # the one failure was used up by the first attempt

    await sandbox.post("/knobs", json={"api_error": "503", "api_error_next": 5})
    async with ribbon(live_server) as client:
        with pytest.raises(ProviderUnavailable, match="HTTP 503"):
            await client.ping()
    assert (await sandbox.get("/knobs")).json()["knobs"]["api_error_next"] == 5 - FAST.attempts

    rejected = str(uuid.uuid4())
    await sandbox.post("/knobs", json={"reset": True, "rejected_api_keys": [rejected]})
    for key in (rejected, ""):  # 403 for a rejected key, 401 for none at all
        counting = Counting()
        async with ribbon(live_server, key=key, transport=counting) as client:
            with pytest.raises(ProviderAuthError, match="rejected the API key"):
                await client.ping()
        assert len(counting.requests) == 1


async def test_429_retry_after_and_timeouts(live_server, sandbox):
    await sandbox.post(
        "/knobs", json={"api_error": "429", "api_error_next": 1, "retry_after_seconds": 0.05}
    )
    waits: list[float] = []
    set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    try:
        async with ribbon(live_server) as client:
            await client.ping()
    finally:
        set_on_retry_hooks(None)
    assert waits == [pytest.approx(0.05, abs=0.02)]
    raw_knobs = {"api_error": "429", "api_error_next": 1, "retry_after_seconds": 7}
    await sandbox.post("/knobs", json=raw_knobs)
    raw = await httpx.AsyncClient().get(
        f"{live_server.url}/sandbox/api/v1/ping",
        headers={"Authorization": f"Bearer {uuid.uuid4()}"},
    )
    assert raw.status_code == 429
    assert raw.headers["retry-after"] == "7"

    await sandbox.post(
        "/knobs", json={"api_error": "timeout", "api_error_next": 1, "timeout_seconds": 1}
    )
    async with ribbon(live_server, timeout=0.3) as client:
        await client.ping()  # the first attempt times out, the retry answers
    assert (await sandbox.get("/knobs")).json()["knobs"]["api_error_next"] == 0


async def test_a_flow_can_fail_on_its_own(live_server, sandbox):
    key = str(uuid.uuid4())
    async with ribbon(live_server, key=key) as setup:
        flaky = await setup.create_flow(SPEC)
        steady = await setup.create_flow(SPEC)
        flaky_interview = await setup.create_interview(flaky, None, None, None)
    response = await sandbox.post(
        f"/flows/{flaky}/knobs", json={"api_error": "502", "api_error_next": 1}
    )
    assert response.status_code == 200, response.text
    counting = Counting()
    async with ribbon(live_server, key=key, transport=counting) as client:
        await client.create_interview(steady, None, None, None)
        await client.get_flow(steady)
        assert len(counting.requests) == 2  # other flows are untouched
        await client.get_interview(flaky_interview.interview_id)  # 502, then fine
        assert len(counting.requests) == 4
        await client.create_interview(flaky, None, None, None)  # the failure is used up
        assert len(counting.requests) == 5
    truth = (await sandbox.get(f"/flows/{flaky}/knobs")).json()
    assert truth["knobs"]["api_error_next"] == 0


async def test_knob_validation_is_a_clear_422(sandbox):
    for bad in ({"duplicates": -1}, {"nope": 1}, {"api_error": "418"}, {"reorder": "yes"}):
        response = await sandbox.post("/knobs", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["message"]
    response = await sandbox.post("/knobs", content=b"not json")
    assert response.status_code == 422


async def test_standalone_sandbox_command(test_database, clean_db):
    from tests.conftest import _free_port, start_process

    port = _free_port()
    process, log_path = start_process(
        ["sandbox", "--port", str(port), "--no-migrate"], {}, test_database, "sandbox"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(log_path.read_text())
            async with RibbonClient(str(uuid.uuid4()), f"{base}/sandbox/api", retry=FAST) as c:
                await c.ping()
                flow_id = await c.create_flow(SPEC)
                made = await c.create_interview(flow_id, None, None, None)
            page = await http.get(made.link)
            assert page.status_code == 200
            assert "Tell me about a hard bug." in page.text
            assert "/static/css/sandbox.css" in page.text
    finally:
        process.terminate()
        process.wait(timeout=15)

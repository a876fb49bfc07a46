"""The Ribbon API client: every documented endpoint, with timeouts, retries and typed errors.

Responses are never logged: `GET /v1/interview-flows/{id}` echoes the webhook secret, and
interviews name candidates. The API key lives only in the client's default headers."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import stamina

from app.logs import get_logger
from app.providers.base import (
    CreatedInterview,
    FlowSpec,
    InterviewResult,
    InterviewStatus,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderUnavailable,
)
from app.providers.http import provider_http_client
from app.providers.ribbon.errors import error_for
from app.providers.ribbon.translate import as_id, as_text, translate_interview
from app.settings import DEFAULT_RIBBON_API_BASE

log = get_logger(__name__)
UNSENDABLE_KEY = (
    "The Ribbon API key cannot be sent as it is: it contains spaces, line breaks or other "
    "characters a key never has. Paste it again under Settings."
)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests shrink the waits; production keeps a call under a minute."""

    attempts: int = 4
    wait_initial: float = 0.5
    wait_max: float = 8.0
    wait_jitter: float = 0.5
    max_retry_after: float = 30.0  # a longer Retry-After gives up and reports rate limiting
    total_timeout: float = 60.0


@dataclass(frozen=True)
class RibbonFlow:
    """An interview flow as Ribbon describes it (the secret it echoes is deliberately left out)."""

    flow_id: str
    title: str | None
    questions: tuple[str, ...]
    video_enabled: bool
    webhook_url: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


class RibbonClient:
    name = "ribbon"

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_RIBBON_API_BASE,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        page_size: int = 20,  # Ribbon's documented default; a larger limit might be capped
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        key = api_key.strip()
        # A key with spaces, line breaks or non-ASCII cannot go in a header; say so when used.
        self._unsendable_key = bool(key) and not (key.isascii() and key.isprintable())
        self._unsendable_key = self._unsendable_key or any(c.isspace() for c in key)
        headers = {"Accept": "application/json", "User-Agent": "Hirewire/1.0"}
        if key and not self._unsendable_key:  # without a key Ribbon answers 401 itself
            headers["Authorization"] = f"Bearer {key}"
        self._http = provider_http_client(
            base_url.rstrip("/") + "/", headers, timeout=timeout, transport=transport
        )

    def __repr__(self) -> str:
        return f"RibbonClient(base_url={str(self._http.base_url)!r})"  # never the key

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> RibbonClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # The endpoints

    async def ping(self) -> None:
        await self._call("GET", "v1/ping", what="Ribbon")

    async def create_flow(self, spec: FlowSpec) -> str:
        body: dict[str, Any] = {
            "org_name": spec.org_name,
            "title": spec.title,
            "questions": list(spec.questions),
            "interview_type": spec.interview_type,
            "language": spec.language,
            "is_video_enabled": spec.video_enabled,
        }
        optional = {
            "intro": spec.intro,
            "outro": spec.outro,
            "webhook_url": spec.webhook_url,
            "webhook_secret_key": spec.webhook_secret,
        }
        body.update({k: v for k, v in optional.items() if v})
        data = await self._call("POST", "v1/interview-flows", json=body, what="the interview flow")
        flow_id = as_id(data.get("interview_flow_id"))
        if flow_id is None:
            raise ProviderBadResponse("Ribbon created the interview flow but sent no flow id.")
        return flow_id

    async def get_flow(self, flow_id: str) -> RibbonFlow:
        data = await self._call(
            "GET", f"v1/interview-flows/{_segment(flow_id)}", what=f"interview flow {flow_id}"
        )
        return _flow(data, flow_id)

    async def list_flows(self) -> AsyncIterator[RibbonFlow]:
        async for item in self._pages("v1/interview-flows", "interview_flows", {}):
            yield _flow(item, "")

    async def create_interview(
        self,
        flow_id: str,
        email: str | None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> CreatedInterview:
        body: dict[str, Any] = {"interview_flow_id": flow_id}
        optional = {
            "interviewee_email_address": email,
            "interviewee_first_name": first_name,
            "interviewee_last_name": last_name,
        }
        body.update({k: v for k, v in optional.items() if v})
        data = await self._call(
            "POST", "v1/interviews", json=body, what=f"interview flow {flow_id}"
        )
        interview_id = as_id(data.get("interview_id"))
        link = as_text(data.get("interview_link"))
        if interview_id is None or link is None:
            raise ProviderBadResponse(
                "Ribbon created the interview but did not send its id and link."
            )
        return CreatedInterview(interview_id=interview_id, link=link)

    async def get_interview(self, interview_id: str) -> InterviewResult:
        data = await self._call(
            "GET", f"v1/interviews/{_segment(interview_id)}", what=f"interview {interview_id}"
        )
        return translate_interview(data, fallback_id=interview_id)

    async def list_interviews(
        self, status: InterviewStatus | None = None
    ) -> AsyncIterator[InterviewResult]:
        params = (
            {"status": status.value} if status and status is not InterviewStatus.UNKNOWN else {}
        )
        async for item in self._pages("v1/interviews", "interviews", params):
            yield translate_interview(item)

    # Paging, retries and errors

    async def _pages(
        self, path: str, key: str, params: dict[str, str]
    ) -> AsyncIterator[dict[str, Any]]:
        """Page with limit/offset until a page is shorter than the limit (there is no total)."""
        offset, previous_page = 0, None
        while True:
            query = {**params, "limit": str(self.page_size), "offset": str(offset)}
            data = await self._call("GET", path, params=query, what="the list")
            items = data.get(key)
            if not isinstance(items, list):
                raise ProviderBadResponse(f"Ribbon's list answer has no {key!r} list.")
            if items and items == previous_page:
                # A server that ignores offset would otherwise be paged forever.
                raise ProviderBadResponse("Ribbon returned the same page twice while paging.")
            for item in items:
                if isinstance(item, dict):
                    yield item
            if len(items) < self.page_size:
                return
            offset += len(items)
            previous_page = items

    async def _call(
        self,
        method: str,
        path: str,
        what: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """One logical call, retried on what may pass (connection trouble, timeouts, 5xx, 429).

        POSTs are retried too: Ribbon has no idempotency keys, so a retried create can at worst
        leave an unused flow or link behind at Ribbon; we only ever keep the id we got back."""
        policy = self.retry
        async for attempt in stamina.retry_context(
            on=self._backoff,
            attempts=policy.attempts,
            timeout=policy.total_timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
        ):
            with attempt:
                return await self._send_once(method, path, what, json, params)
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    def _backoff(self, exc: Exception) -> bool | float:
        if isinstance(exc, ProviderRateLimited):
            if exc.retry_after is None:
                return True
            if exc.retry_after > self.retry.max_retry_after:
                return False  # waiting that long inside one request helps nobody
            return exc.retry_after
        return isinstance(exc, ProviderUnavailable) and not isinstance(exc, ProviderBadResponse)

    async def _send_once(
        self,
        method: str,
        path: str,
        what: str,
        json: Any,
        params: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        if self._unsendable_key:
            raise ProviderAuthError(UNSENDABLE_KEY)
        try:
            response = await self._http.request(method, path, json=json, params=params)
        except httpx.LocalProtocolError:
            raise ProviderAuthError(UNSENDABLE_KEY) from None
        except httpx.TimeoutException:
            raise ProviderUnavailable(
                "Ribbon did not answer in time. Try again in a few minutes."
            ) from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(
                f"Could not reach Ribbon at {self._http.base_url.host} ({type(exc).__name__}). "
                "Check the connection and try again."
            ) from None
        if response.status_code >= 300:
            error = error_for(response, what)
            log.warning("ribbon_call_failed", method=method, path=path, status=response.status_code)
            raise error
        try:
            data = response.json()
        except ValueError:
            raise ProviderBadResponse(
                "Ribbon sent an answer Hirewire could not read (not JSON).", response.status_code
            ) from None
        if not isinstance(data, dict):
            raise ProviderBadResponse(
                "Ribbon sent an answer Hirewire could not read (not a JSON object).",
                response.status_code,
            )
        return data


def _segment(value: str) -> str:
    """An id as one URL path segment, so an odd id can never reach another endpoint."""
    return urllib.parse.quote(value, safe="")


def _flow(data: Mapping[str, Any], fallback_id: str) -> RibbonFlow:
    questions = data.get("questions")
    return RibbonFlow(
        flow_id=as_id(data.get("interview_flow_id")) or fallback_id,
        title=as_text(data.get("title")),
        questions=tuple(q for q in questions if isinstance(q, str))
        if isinstance(questions, list)
        else (),
        video_enabled=data.get("is_video_enabled") is True,
        webhook_url=as_text(data.get("webhook_url")),
        raw={k: v for k, v in data.items() if k != "webhook_secret_key"},
    )

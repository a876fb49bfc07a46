"""The HTTP client every provider call goes through: httpx's API over aiohttp's transport.

httpx's own transport costs 2.1-2.7 ms of client CPU per request under concurrency on this
project's 2-core machines, which alone caps one worker near 400 provider fetches a second; the
`httpx-aiohttp` transport does the same call for about 0.35 ms (`just bench` measures it as
`provider_call_cpu_ms`). Code keeps calling httpx, so timeouts, error classes and
`httpx.MockTransport` in unit tests are unchanged; aiohttp's errors arrive mapped to httpx's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


def _httpx_error(exc: httpx.TransportError) -> httpx.TransportError:
    """The httpx error a cause from aiohttp really is. `httpx-aiohttp` 0.2 maps every
    `ClientConnectionError`, a refused connection included, to `ConnectTimeout`, which would
    tell a recruiter "did not answer in time" for a provider that is not there at all."""
    cause, request = exc.__cause__, exc._request
    message = str(exc)
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(cause, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(cause, aiohttp.ClientConnectionError):
        return httpx.ReadError(message, request=request)
    return exc


class _Body(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except httpx.TransportError as exc:
            raise _httpx_error(exc) from exc.__cause__

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Transport(AiohttpTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.TransportError as exc:
            raise _httpx_error(exc) from exc.__cause__
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Body(response.stream)
        return response


def cheap_transport(max_connections: int = 100) -> httpx.AsyncBaseTransport:
    """A pooled aiohttp-backed transport; its session is made on first use, in that loop."""
    return _Transport(
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
        trust_env=False,  # a provider's address is configured, never taken from *_PROXY
    )


def provider_http_client(
    base_url: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 15.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A client for one provider account. `transport` is for tests (`httpx.MockTransport`)."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers=dict(headers or {}),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        transport=transport or cheap_transport(),
        follow_redirects=False,
    )

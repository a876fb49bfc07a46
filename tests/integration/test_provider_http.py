"""The provider HTTP layer over real sockets: aiohttp's failures reach callers as the same
typed errors httpx's own transport gave (refused, cut off mid-answer, too slow)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from app.providers.base import ProviderUnavailable
from app.providers.ribbon.client import RetryPolicy, RibbonClient

FAST = RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.01, wait_jitter=0)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_connection_is_reported_as_unreachable():
    client = RibbonClient("k", base_url=f"http://127.0.0.1:{_closed_port()}", retry=FAST)
    async with client:
        with pytest.raises(ProviderUnavailable, match=r"Could not reach Ribbon at 127\.0\.0\.1"):
            await client.ping()


async def test_a_connection_cut_mid_answer_and_a_silent_server_are_retried_then_reported():
    accepted: list[int] = []

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"mess')
        await writer.drain()
        writer.close()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        await asyncio.sleep(5)
        writer.close()

    for handler, words in ((cut, "Could not reach Ribbon"), (silent, "did not answer in time")):
        accepted.clear()
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            client = RibbonClient("k", base_url=f"http://127.0.0.1:{port}", retry=FAST, timeout=0.3)
            async with client:
                with pytest.raises(ProviderUnavailable, match=words):
                    await client.ping()
        finally:
            server.close()
        assert len(accepted) == FAST.attempts

"""A lean HTTP/1.1 sender for the benchmarks' background load: pre-built requests written over a
few keep-alive connections, answers read only as far as their status and length.

httpx costs about 2.5 ms of CPU a request on the 2-core benchmark machine, so a background
load of 100 webhooks a second through it took a quarter of the machine from the processes
being measured; this costs a small fraction of that. The answers it reads are uvicorn's
(Content-Length bodies, no chunking)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping


def build_post(host: str, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"host: {host}", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class RawSender:
    """Sends pre-built requests over up to `connections` keep-alive connections."""

    def __init__(self, host: str, port: int, connections: int = 8) -> None:
        self.host, self.port = host, port
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self._opened = 0
        self._limit = connections

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._idle.empty() and self._opened < self._limit:
            self._opened += 1
            try:
                return await asyncio.open_connection(self.host, self.port)
            except OSError:
                self._opened -= 1
                raise
        return await self._idle.get()

    async def send(self, request: bytes) -> int:
        """The answer's status code; 0 when the connection failed (it is then replaced)."""
        reader, writer = await self._connection()
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            writer.close()
            self._opened -= 1
            return 0
        self._idle.put_nowait((reader, writer))
        return status

    async def aclose(self) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()

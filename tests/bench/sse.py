"""The benchmarks' viewer: a logged-in client following a job's server-sent events, noting
when each invitation's card event arrives."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from tests.bench.seed import PASSWORD


@dataclass
class Stream:
    """The SSE stream's card events: when each invitation was first named."""

    arrivals: dict[str, float] = field(default_factory=dict)
    waiters: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    events: int = 0

    def expect(self, invitation: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if invitation in self.arrivals:
            future.set_result(self.arrivals[invitation])
        self.waiters[invitation] = future
        return future

    def dispatch(self, event: str) -> None:
        if not event.startswith("card-"):
            return
        now, invitation = time.perf_counter(), event.removeprefix("card-")
        self.events += 1
        self.arrivals.setdefault(invitation, now)
        waiter = self.waiters.pop(invitation, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    async def follow(self, client: httpx.AsyncClient, path: str) -> None:
        async with client.stream("GET", path, headers={"accept": "text/event-stream"}) as r:
            if r.status_code != 200:
                raise RuntimeError(f"stream answered {r.status_code}")
            event = ""
            async for line in r.aiter_lines():
                if line.startswith(":") or line.startswith("retry:"):
                    self.ready.set()
                elif line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line == "":
                    self.dispatch(event)
                    event = ""


async def login(client: httpx.AsyncClient, email: str) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]},
    )
    if response.status_code not in (200, 302, 303):
        raise RuntimeError(f"bench login failed: {response.status_code}")

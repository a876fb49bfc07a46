"""The job's live stream over real HTTP: committed announcements arrive, rolled-back ones never
do, other organisations get 404, and a reconnect with a cursor catches up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.conftest import login, start_server
from tests.dashboard_factories import make_assessment, make_invitation, worker_update


class Events:
    """Reads server-sent events from a streaming response, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, timeout: float = 5.0) -> dict[str, str]:
        async def read() -> dict[str, str]:
            event: dict[str, str] = {}
            async for line in self.lines:
                if not line:
                    if "event" in event:
                        return event
                    event = {}
                    continue
                if line.startswith(":"):
                    continue
                key, _, value = line.partition(":")
                event[key] = value.strip()
            raise EOFError("stream ended")

        return await asyncio.wait_for(read(), timeout)


@asynccontextmanager
async def stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[Events]:
    async with client.stream("GET", url, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


async def test_committed_announce_arrives_rolled_back_does_not(live_server, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    first = await make_invitation(assessment)
    second = await make_invitation(assessment)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await login(client, account)
        async with stream(client, f"/jobs/{assessment.job_id}/stream") as events:
            await asyncio.sleep(0.3)  # let the stream register before anything is announced
            await worker_update(first, "pending", rollback=True)
            await worker_update(second, "partial", missing=["video"], overall=4.0)
            event = await events.next()
            # The rolled-back change was announced first; only the committed one arrives.
            assert event["event"] == f"card-{second.id}"
            assert event["data"] == str(second.id)
            assert int(event["id"]) > 0

            card = await client.get(f"/invitations/{second.id}/card", headers={"HX-Request": "1"})
            assert card.status_code == 200
            assert "Partial" in card.text
            assert "video processing" in card.text
            assert card.headers["vary"] == "HX-Request"

            cursor = event["id"]
        await worker_update(first, "complete", overall=3.9)  # while nobody is connected

        # Reconnect as a browser does, with the last id it saw: the missed change is replayed.
        async with stream(
            client, f"/jobs/{assessment.job_id}/stream", headers={"Last-Event-ID": cursor}
        ) as events:
            names: set[str] = set()
            while f"card-{first.id}" not in names:
                names.add((await events.next())["event"])


async def test_stream_of_another_organisation_is_404(live_server, make_account):
    mine = await make_account(org_name="Mine")
    theirs = await make_account(org_name="Theirs")
    their_assessment = await make_assessment(theirs.organisation_id)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await login(client, mine)
        response = await client.get(
            f"/jobs/{their_assessment.job_id}/stream", headers={"Accept": "text/event-stream"}
        )
        assert response.status_code == 404
        invitation = await make_invitation(their_assessment)
        card = await client.get(f"/invitations/{invitation.id}/card", headers={"HX-Request": "1"})
        assert card.status_code == 404
        anonymous = httpx.AsyncClient(base_url=live_server.url)
        response = await anonymous.get(f"/jobs/{their_assessment.job_id}/stream")
        assert response.status_code in (302, 303, 401)
        await anonymous.aclose()


async def test_stopping_server_ends_open_streams_instead_of_hanging(test_database, make_account):
    """uvicorn waits for open responses before shutting down; a live stream must end at once
    on SIGTERM (the browser reconnects elsewhere) rather than hold a deploy for its timeout."""
    server = start_server(test_database, worker=False)
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            await login(client, account)
            async with stream(client, f"/jobs/{assessment.job_id}/stream") as events:
                await asyncio.sleep(0.3)
                server.process.terminate()
                with pytest.raises(EOFError):
                    await events.next(timeout=8)  # below uvicorn's 10 s graceful timeout
        # uvicorn re-raises the SIGTERM it handled once it has shut down cleanly.
        assert await asyncio.to_thread(server.process.wait, 8) in (0, -15)
    finally:
        server.stop()


async def test_a_stream_never_carries_another_organisations_changes(live_server, make_account):
    mine = await make_account(org_name="Mine")
    theirs = await make_account(org_name="Theirs")
    my_assessment = await make_assessment(mine.organisation_id)
    my_card = await make_invitation(my_assessment)
    their_card = await make_invitation(await make_assessment(theirs.organisation_id))
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await login(client, mine)
        url = f"/jobs/{my_assessment.job_id}/stream"
        async with stream(client, url) as events:
            await asyncio.sleep(0.3)  # let the stream register before anything is announced
            await worker_update(their_card, "complete", overall=4.0)
            await worker_update(my_card, "partial", missing=["video"], overall=3.0)
            assert (await events.next())["event"] == f"card-{my_card.id}"
        # catching up from the start of time re-announces this job's cards and no others
        async with stream(client, url, headers={"Last-Event-ID": "1"}) as events:
            assert (await events.next())["event"] == f"card-{my_card.id}"


async def until_end(events: Events, timeout: float) -> None:
    """Read on (ticks may come first) until the stream ends: EOFError, or a timeout."""
    while True:
        await events.next(timeout=timeout)


async def test_a_stream_ends_soon_after_its_session_does(live_server, make_account):
    from app.dashboard.stream import AUTH_CHECK_SECONDS
    from tests.conftest import form_post

    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await login(client, account)
        url = f"/jobs/{assessment.job_id}/stream"
        async with stream(client, url) as events:
            logout = await form_post(client, "/logout", {}, follow_redirects=False)
            assert logout.status_code in (302, 303)
            # the last event tells the page to log in again (not "Reconnecting..." forever)
            while (event := await events.next(timeout=AUTH_CHECK_SECONDS + 10))["event"] == "tick":
                pass
            assert event["event"] == "logged-out"
            assert event["data"].startswith("/login")
            with pytest.raises(EOFError):
                await until_end(events, 5)
        again = await client.get(url, follow_redirects=False)
        assert again.status_code in (302, 303, 401)

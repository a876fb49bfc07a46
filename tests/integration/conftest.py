"""Fixtures of the integration tests: the app in-process, talking to the sandbox of the
session's live server over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.conftest import running
from tests.integration.recruiting import set_knobs


@pytest.fixture
def sandbox_settings(settings: Settings, live_server: Any) -> Settings:
    return settings.with_(
        ribbon_api_base=f"{live_server.url}/sandbox/api", public_base_url=live_server.url
    )


@pytest.fixture
async def sandbox_client(
    sandbox_settings: Settings, live_server: Any, clean_db: None
) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but provider calls go to the live server's sandbox."""
    from app.asgi import create_app

    app = create_app(sandbox_settings, run_worker=False)
    async with (
        running(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),  # type: ignore[arg-type]
            base_url="http://127.0.0.1:8000",
            timeout=60,
            follow_redirects=True,
        ) as c,
    ):
        yield c
    await set_knobs(live_server, reset=True)

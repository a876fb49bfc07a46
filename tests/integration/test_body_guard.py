"""Slow and abandoned request bodies, driven at the ASGI level (a server-side timeout cannot be
shown through a client that always sends its whole body): a body that stalls answers 408, and a
client that hangs up mid-body is logged as a client abort, never as a server error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.asgi import create_app
from tests.conftest import running
from tests.factories import make_assessment, make_org


async def call(app: Any, path: str, messages: list[dict[str, Any]], then: str) -> list[Any]:
    """POST `messages` (body parts) to `path`; afterwards hang ("hang") or hang up ("close")."""
    sent: list[Any] = []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        if then == "close":
            return {"type": "http.disconnect"}
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await asyncio.wait_for(app(scope, receive, send), 30)
    return sent


def answer(sent: list[Any]) -> tuple[int, dict[str, Any]]:
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body or b"{}")


async def test_a_stalled_body_answers_408(settings, clean_db):
    app = create_app(settings.with_(body_read_timeout_seconds=1), run_worker=False)
    assessment = await make_assessment(await make_org())
    async with running(app):
        sent = await call(
            app,
            f"/webhooks/ribbon/{assessment.token}",
            [{"type": "http.request", "body": b'{"event_type": ', "more_body": True}],
            then="hang",
        )
    status, body = answer(sent)
    assert status == 408
    assert "too slowly" in body["message"]


async def test_a_client_that_hangs_up_mid_body_is_not_a_server_error(settings, clean_db, capfd):
    app = create_app(settings.with_(log_level="INFO"), run_worker=False)
    assessment = await make_assessment(await make_org())
    async with running(app):
        sent = await call(
            app,
            f"/webhooks/ribbon/{assessment.token}",
            [{"type": "http.request", "body": b'{"event_type": ', "more_body": True}],
            then="close",
        )
    status, _ = answer(sent)
    assert status == 400
    logged = capfd.readouterr().err
    assert "request_aborted_by_client" in logged
    assert "request_failed" not in logged

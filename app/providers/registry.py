"""Which providers exist, and how to build one. Adding a provider is adding a folder and a line."""

from __future__ import annotations

import httpx

from app.providers.base import EventKind, Provider, WebhookAdapter
from app.providers.ribbon.client import RibbonClient
from app.providers.ribbon.webhooks import EVENT_KINDS, RibbonWebhooks
from app.settings import Settings

PROVIDERS = ("ribbon",)


def webhook_adapter(name: str) -> WebhookAdapter:
    if name == "ribbon":
        return RibbonWebhooks()
    raise KeyError(f"unknown provider {name!r}")


def move_event_types() -> tuple[str, ...]:
    """Every provider's name for a pipeline-move event (Ribbon: candidate_status_updated)."""
    return tuple(
        name for name, kind in EVENT_KINDS.items() if kind is EventKind.CANDIDATE_STATUS_MOVED
    )


def settling_event_types() -> tuple[str, ...]:
    """Every provider's names for events after which something expected will not come."""
    adapter = RibbonWebhooks()
    return tuple(name for name in EVENT_KINDS if adapter.settled_by(name))


def make_provider(
    name: str,
    api_key: str,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Provider:
    """A client bound to one organisation's credentials. Close it with `aclose()`."""
    if name == "ribbon":
        return RibbonClient(api_key=api_key, base_url=settings.ribbon_api_base, transport=transport)
    raise KeyError(f"unknown provider {name!r}")

"""The webhook tests run on a database of their own (see tests/webhook_support.py): `client` and
`settings` here point at it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.webhook_support import webhook_database, wh_client, wh_settings

__all__ = ["webhook_database", "wh_client", "wh_settings"]


@pytest.fixture
def client(wh_client: Any) -> Any:
    return wh_client


@pytest.fixture
def settings(wh_settings: Any) -> Any:
    return wh_settings

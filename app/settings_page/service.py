"""The organisation's provider connection: store the API key sealed, show only a hint, and
test it with a ping. Every change is audited; the key itself never is."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from app import db
from app.accounts.provider_keys import clear_provider_key, store_provider_key
from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.providers.base import ProviderAuthError, ProviderError
from app.providers.connection import provider_for_org
from app.providers.registry import make_provider
from app.settings import Settings


class ConnectionInputError(ValueError):
    """The key as typed cannot be right; the message says why."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


async def connection(organisation_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        """SELECT ribbon_api_key_hint, ribbon_api_key_enc IS NOT NULL AS has_key, updated_at
           FROM organisation WHERE id = $1""",
        organisation_id,
    )
    return dict(row) if row else {"has_key": False, "ribbon_api_key_hint": None}


# Ribbon's API keys are UUIDs (../shared/ribbon/API.md): anything else was mis-copied.
RIBBON_KEY = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def clean_key(raw: str) -> str:
    key = (raw or "").strip()
    if not key:
        raise ConnectionInputError("Paste the API key from Ribbon's settings.")
    if len(key) > 200 or any(ch.isspace() or not ch.isprintable() for ch in key):
        raise ConnectionInputError(
            "That does not look like an API key (no spaces, at most 200 characters)."
        )
    if not RIBBON_KEY.fullmatch(key):
        raise ConnectionInputError(
            "A Ribbon API key looks like 1b4e28ba-2fa1-11d2-883f-0016d3cca427 (36 characters): "
            "check that you copied all of it."
        )
    return key


async def save_api_key(
    user: CurrentUser, raw: str, settings: Settings, box: SecretBox, ip: str = ""
) -> Verdict:
    """Check a new key with Ribbon before keeping it: a key Ribbon refuses is not saved
    (ConnectionInputError says so); one that could not be checked is saved, with a warning."""
    key = clean_key(raw)
    provider = make_provider("ribbon", key, settings)
    try:
        await provider.ping()
        verdict = Verdict(True, "The API key was saved, and Ribbon accepted it.")
    except ProviderAuthError as exc:
        await record_audit(
            user,
            "provider_key_refused",
            "organisation",
            str(user.organisation_id),
            {"provider": "ribbon", "hint": key[-4:]},
            ip=ip,
        )
        raise ConnectionInputError(
            f"Ribbon refused this API key, so it was not saved: {exc}"
        ) from None
    except ProviderError as exc:
        verdict = Verdict(
            False, f"The API key was saved, but Ribbon could not be reached to check it: {exc}"
        )
    finally:
        await provider.aclose()
    await set_api_key(user, key, box, ip, checked=verdict.ok)
    return verdict


async def set_api_key(
    user: CurrentUser, raw: str, box: SecretBox, ip: str = "", checked: bool = False
) -> str:
    """Seal and store the key; returns the hint (its last four characters)."""
    key = clean_key(raw)
    hint = key[-4:]
    await store_provider_key(user.organisation_id, box.seal(key), hint)
    await record_audit(
        user,
        "provider_key_set",
        "organisation",
        str(user.organisation_id),
        {"provider": "ribbon", "hint": hint, "checked": checked},
        ip=ip,
    )
    return hint


async def remove_api_key(user: CurrentUser, ip: str = "") -> None:
    await clear_provider_key(user.organisation_id)
    await record_audit(
        user,
        "provider_key_removed",
        "organisation",
        str(user.organisation_id),
        {"provider": "ribbon"},
        ip=ip,
    )


async def check_connection(
    user: CurrentUser, settings: Settings, box: SecretBox, ip: str = ""
) -> Verdict:
    """Ping the provider with the stored key and say, in words, whether it works."""
    try:
        provider = await provider_for_org(user.organisation_id, settings, box)
    except (ProviderError, ValueError) as exc:
        verdict = Verdict(False, str(exc))
    else:
        try:
            await provider.ping()
            verdict = Verdict(True, "Ribbon accepted the API key.")
        except ProviderAuthError as exc:
            verdict = Verdict(False, f"Ribbon refused the API key: {exc}")
        except ProviderError as exc:
            verdict = Verdict(False, f"Ribbon could not be reached: {exc}")
        finally:
            await provider.aclose()
    await record_audit(
        user,
        "provider_connection_tested",
        "organisation",
        str(user.organisation_id),
        {"provider": "ribbon", "ok": verdict.ok},
        ip=ip,
    )
    return verdict

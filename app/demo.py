"""Demo data for `just dev` and `hirewire demo`: an organisation, an admin login, and enough
jobs and candidates to show the product. Running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from app import db
from app.accounts.service import create_organisation, create_user
from app.crypto import SecretBox
from app.settings import Settings

DEMO_ORG = "Acme Recruiting (demo)"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"
SANDBOX_API_KEY = "00000000-0000-4000-8000-00000000d3m0"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


async def seed_demo(settings: Settings) -> DemoLogin:
    org_id = await db.fetchval("SELECT id FROM organisation WHERE name = $1", DEMO_ORG)
    if org_id is None:
        box = SecretBox(settings.secret_key)
        org_id = await create_organisation(DEMO_ORG, SANDBOX_API_KEY, box)
        await create_user(org_id, DEMO_EMAIL, DEMO_PASSWORD, "admin", "Dana Demo")
    return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD)

"""Tenant isolation, proven for every route: a second organisation's admin, with its session
(HTML) or token (JSON API), calls each route with the first organisation's ids and gets 404
(or 403, or a 4xx for a refused body), never the data; and the first organisation's rows are
unchanged afterwards. A route this test does not know how to call fails it, so a new route
cannot ship without coverage."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from app import db
from app.accounts.service import create_api_token
from tests.conftest import csrf_token, login
from tests.factories import make_assessment, make_invitation

# Routes that are not organisation data: public machinery with its own protection (the webhook
# token and signature, the sandbox standing in for a third party), or pages without ids.
EXEMPT = re.compile(r"^/(static|schema|sandbox|webhooks|healthz|readyz|metrics|login|logout)(/|$)")
PARAMS = {
    "job_id",
    "candidate_id",
    "assessment_id",
    "invitation_id",
    "delivery_id",
    "bulk_id",
    "email_id",
    "action",
}
ACTIONS = ("cancel", "resend", "remind", "retry")


@dataclass
class Victim:
    ids: dict[str, str]
    markers: list[str]


async def make_victim(org_id: uuid.UUID) -> Victim:
    assessment = await make_assessment(org_id)
    await db.fetch("UPDATE job SET title = 'Victim Secret Job' WHERE id = $1", assessment.job_id)
    await db.fetch(
        "UPDATE assessment SET title = 'Victim Secret Assessment' WHERE id = $1", assessment.id
    )
    invitation = await make_invitation(
        assessment,
        email="victim.person@example.com",
        first_name="Victoria",
        last_name="Secretname",
        status="complete",
    )
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary)
           VALUES ($1, $2, 'completed', 'Victim summary text')""",
        invitation.id,
        org_id,
    )
    delivery_id = await db.fetchval(
        """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider, idempotency_key,
               event_type, status, payload, invitation_id)
           VALUES ($1, $2, 'ribbon', 'victim-key', 'interview_processed', 'dead',
                   '{"interviewee_email_address": "victim.person@example.com"}', $3)
           RETURNING id""",
        org_id,
        assessment.id,
        invitation.id,
    )
    email_id = await db.fetchval(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind, to_address,
               subject, body_text, body_html, status)
           VALUES ($1, $2, $3, 'invite', 'victim.person@example.com', 'Victim subject',
                   'Victim body', '<p>Victim body</p>', 'sent') RETURNING id""",
        org_id,
        invitation.id,
        invitation.candidate_id,
    )
    bulk_id = await db.fetchval(
        """INSERT INTO bulk_invite (organisation_id, job_id, assessment_id, requested, total)
           VALUES ($1, $2, $3, 1, 1) RETURNING id""",
        org_id,
        assessment.job_id,
        assessment.id,
    )
    return Victim(
        ids={
            "job_id": str(assessment.job_id),
            "candidate_id": str(invitation.candidate_id),
            "assessment_id": str(assessment.id),
            "invitation_id": str(invitation.id),
            "delivery_id": str(delivery_id),
            "bulk_id": str(bulk_id),
            "email_id": str(email_id),
        },
        markers=[
            "Victim Secret",
            "victim.person@example.com",
            "Secretname",
            "Victim summary",
            "Victim subject",
            "Victim body",
        ],
    )


async def snapshot(org_id: uuid.UUID) -> list[Any]:
    """Everything the victim organisation owns, to compare before and after."""
    tables = await db.fetch(
        """SELECT table_name FROM information_schema.columns
           WHERE table_schema = 'public' AND column_name = 'organisation_id' ORDER BY table_name"""
    )
    state = []
    for row in tables:
        name = row["table_name"]
        if name in ("audit_event", "queue_job"):
            continue  # the caller's own audit rows and jobs are not the victim's data
        rows = await db.fetch(
            f'SELECT * FROM "{name}" WHERE organisation_id = $1 ORDER BY 1', org_id
        )
        state.append((name, [dict(r) for r in rows]))
    return state


def routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        methods = getattr(route, "methods", None)
        if not methods:
            continue
        for method in sorted(set(methods) - {"HEAD", "OPTIONS"}):
            found.append((method, route.path))
    return found


def fill(path: str, ids: dict[str, str]) -> list[str]:
    names = re.findall(r"\{(\w+)(?::\w+)?\}", path)
    unknown = [n for n in names if n not in PARAMS]
    assert not unknown, f"{path}: teach the tenant isolation test about {unknown}"
    urls = [path]
    for name in names:
        values = ACTIONS if name == "action" else (ids[name],)
        urls = [re.sub(r"\{" + name + r"(?::\w+)?\}", v, u, count=1) for u in urls for v in values]
    return urls


@pytest.mark.parametrize("surface", ["html", "api"])
async def test_every_route_hides_another_organisations_data(client, make_account, surface):
    victim_account = await make_account(org_name="Victim Org")
    victim = await make_victim(victim_account.organisation_id)
    intruder = await make_account(org_name="Intruder Org", role="admin")
    before = await snapshot(victim_account.organisation_id)

    headers: dict[str, str] = {}
    if surface == "api":
        headers["Authorization"] = f"Bearer {await create_api_token(intruder.email)}"
    else:
        await login(client, intruder)
        headers["x-csrftoken"] = await csrf_token(client)

    app = client._transport.app
    checked = 0
    for method, path in routes(app):
        if EXEMPT.match(path) or path.startswith("/api/") != (surface == "api"):
            continue
        for url in fill(path, victim.ids):
            body: dict[str, Any] = (
                {"data": {"_csrf_token": headers.get("x-csrftoken", "")}}
                if surface == "html"
                else {"json": {}}
            )
            if method == "GET":
                response = await client.get(url, headers=headers)
            else:
                response = await client.request(method, url, headers=headers, **body)
            has_ids = "{" in path
            if has_ids:
                allowed = {403, 404} if method == "GET" else {400, 403, 404, 405, 422}
                assert response.status_code in allowed, f"{method} {url} -> {response.status_code}"
            else:
                assert response.status_code < 500, f"{method} {url} -> {response.status_code}"
            for marker in victim.markers:
                assert marker not in response.text, f"{method} {url} leaked {marker!r}"
            checked += 1
    assert checked > 10
    assert await snapshot(victim_account.organisation_id) == before

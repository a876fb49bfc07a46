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
from urllib.parse import urlencode

import pytest

from app import db
from app.accounts.service import create_api_token, insert_api_token
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
    "token_id",
    "user_id",
    "action",
    "kind",
}
ACTIONS = ("cancel", "resend", "remind", "retry", "extend", "reinvite")
KINDS = ("invite", "reminder")  # an organisation's own candidate emails


@dataclass
class Victim:
    ids: dict[str, str]
    markers: list[str]


async def make_victim(org_id: uuid.UUID, name: str = "Victim") -> Victim:
    """An organisation's data, every string of it marked with `name`."""
    assessment = await make_assessment(org_id)
    await db.fetch(f"UPDATE job SET title = '{name} Secret Job' WHERE id = $1", assessment.job_id)
    await db.fetch(
        f"UPDATE assessment SET title = '{name} Secret Assessment' WHERE id = $1", assessment.id
    )
    address = f"{name.lower()}.person@example.com"
    invitation = await make_invitation(
        assessment,
        email=address,
        first_name=f"{name}ia",
        last_name=f"{name}secretname",
        status="complete",
    )
    await db.fetch(
        """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary)
           VALUES ($1, $2, 'completed', $3)""",
        invitation.id,
        org_id,
        f"{name} summary text",
    )
    delivery_id = await db.fetchval(
        """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider, idempotency_key,
               event_type, status, payload, invitation_id)
           VALUES ($1, $2, 'ribbon', 'victim-key', 'interview_processed', 'dead',
                   jsonb_build_object('interviewee_email_address', $4::text), $3)
           RETURNING id""",
        org_id,
        assessment.id,
        invitation.id,
        address,
    )
    email_id = await db.fetchval(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind, to_address,
               subject, body_text, body_html, status)
           VALUES ($1, $2, $3, 'invite', $4, $5, $6, $7, 'sent') RETURNING id""",
        org_id,
        invitation.id,
        invitation.candidate_id,
        address,
        f"{name} subject",
        f"{name} body",
        f"<p>{name} body</p>",
    )
    bulk_id = await db.fetchval(
        """INSERT INTO bulk_invite (organisation_id, job_id, assessment_id, requested, total)
           VALUES ($1, $2, $3, 1, 1) RETURNING id""",
        org_id,
        assessment.job_id,
        assessment.id,
    )
    owner = await db.fetchval("SELECT id FROM app_user WHERE organisation_id = $1 LIMIT 1", org_id)
    await db.fetch(
        """INSERT INTO review (organisation_id, invitation_id, reviewer_id, ratings, notes)
           VALUES ($1, $2, $3, '{"communication": 4}'::jsonb, $4)""",
        org_id,
        invitation.id,
        owner,
        f"{name} review notes",
    )
    await db.fetch(
        """INSERT INTO decision (organisation_id, invitation_id, candidate_id, job_id, decided_by,
               decided_by_label, outcome, reason, ai_shown)
           VALUES ($1, $2, $3, $4, $5, 'someone', 'hold', $6, false)""",
        org_id,
        invitation.id,
        invitation.candidate_id,
        assessment.job_id,
        owner,
        f"{name} decision reason",
    )
    _, token_row = await insert_api_token(owner, f"{name} token name", None)
    return Victim(
        ids={
            "token_id": str(token_row["id"]),
            "user_id": str(owner),
            "job_id": str(assessment.job_id),
            "candidate_id": str(invitation.candidate_id),
            "assessment_id": str(assessment.id),
            "invitation_id": str(invitation.id),
            "delivery_id": str(delivery_id),
            "bulk_id": str(bulk_id),
            "email_id": str(email_id),
        },
        markers=[
            f"{name} Secret",
            address,
            f"{name}secretname",
            f"{name} summary",
            f"{name} subject",
            f"{name} body",
            f"{name} token name",
            f"{name} review notes",
            f"{name} decision reason",
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
        values = ACTIONS if name == "action" else KINDS if name == "kind" else (ids[name],)
        urls = [re.sub(r"\{" + name + r"(?::\w+)?\}", v, u, count=1) for u in urls for v in values]
    return urls


async def signed_in(client: Any, account: Any, surface: str) -> dict[str, str]:
    """Headers that call as `account`: a Bearer token (API) or a session with its CSRF token
    and HTMX's header (pages, fragments as HTMX asks for them)."""
    if surface == "api":
        return {"Authorization": f"Bearer {await create_api_token(account.email)}"}
    await login(client, account)
    return {"x-csrftoken": await csrf_token(client), "HX-Request": "true"}


@pytest.mark.parametrize("surface", ["html", "api"])
async def test_every_route_hides_another_organisations_data(client, make_account, surface):
    victim_account = await make_account(org_name="Victim Org")
    victim = await make_victim(victim_account.organisation_id)
    intruder = await make_account(org_name="Intruder Org", role="admin")
    before = await snapshot(victim_account.organisation_id)

    headers = await signed_in(client, intruder, surface)

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
            # a path naming only which of the caller's own emails ({kind}) has no victim id
            names = set(re.findall(r"\{(\w+)(?::\w+)?\}", path)) - {"kind", "action"}
            has_ids = bool(names)
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


# A hostile tenant: the intruder calls every route on its *own* objects, so each request gets
# past the path's ownership check, with the victim's ids planted in the query string and the
# body under every name a route might read them from. Nothing of the victim's may show, change,
# or be copied into the intruder's organisation (an invite of the victim's candidate into the
# intruder's job would leave the victim's rows alone and still be a leak).
PLANTED_NAMES = {
    "job_id": "job_id",
    "job": "job_id",
    "candidate_id": "candidate_id",
    "candidate": "candidate_id",
    "candidate_ids": "candidate_id",
    "assessment_id": "assessment_id",
    "assessment": "assessment_id",
    "invitation_id": "invitation_id",
    "invitation_ids": "invitation_id",
    "ids": "invitation_id",
    "delivery_id": "delivery_id",
    "delivery_ids": "delivery_id",
    "email_id": "email_id",
    "bulk_id": "bulk_id",
    "token_id": "token_id",
    "user_id": "user_id",
    "user_ids": "user_id",
}


def planted(ids: dict[str, str]) -> dict[str, Any]:
    return {
        name: [ids[kind]] if name.endswith("ids") else ids[kind]
        for name, kind in PLANTED_NAMES.items()
    }


async def copied_into(org_id: uuid.UUID, victim: Victim) -> list[str]:
    """The intruder's rows that carry one of the victim's ids or strings."""
    needles = [*victim.ids.values(), *victim.markers]
    tables = await db.fetch(
        """SELECT DISTINCT table_name FROM information_schema.columns
           WHERE table_schema = 'public' AND column_name = 'organisation_id'"""
    )
    found = []
    for row in tables:
        name = row["table_name"]
        if name == "audit_event":
            continue  # the intruder's own audit trail may name what it tried
        rows = await db.fetch(f'SELECT * FROM "{name}" WHERE organisation_id = $1', org_id)
        for values in rows:
            text = repr(dict(values))
            found += [f"{name}: {n}" for n in needles if n in text]
    return found


@pytest.mark.parametrize("surface", ["html", "api"])
async def test_victim_ids_planted_in_queries_and_bodies_show_change_and_copy_nothing(
    client, make_account, surface
):
    victim_account = await make_account(org_name="Victim Org")
    victim = await make_victim(victim_account.organisation_id)
    intruder = await make_account(org_name="Intruder Org", role="admin")
    own = await make_victim(intruder.organisation_id, name="Intruder")
    before = await snapshot(victim_account.organisation_id)

    headers = await signed_in(client, intruder, surface)

    app = client._transport.app
    # ids that exist nowhere: a victim's id must be answered exactly as one of these is
    ghost = {kind: str(uuid.uuid4()) for kind in victim.ids}

    async def call(method: str, url: str, ids: dict[str, str]) -> Any:
        if method == "GET":
            return await client.get(f"{url}?{urlencode(planted(ids), doseq=True)}", headers=headers)
        if surface == "html":
            form = {**planted(ids), "_csrf_token": headers["x-csrftoken"]}
            return await client.request(method, url, headers=headers, data=form)
        return await client.request(method, url, headers=headers, json=planted(ids))

    def neutral(text: str, ids: dict[str, str]) -> str:
        for kind, value in ids.items():
            text = text.replace(value, f"<{kind}>")
        return text

    checked = 0
    for method, path in routes(app):
        if EXEMPT.match(path) or path.startswith("/api/") != (surface == "api"):
            continue
        if path.endswith("/stream"):
            continue  # an open stream: test_live_stream.py covers another tenant's events
        for url in fill(path, own.ids):
            response = await call(method, url, victim.ids)
            assert response.status_code < 500, f"{method} {url} -> {response.status_code}"
            for marker in victim.markers:
                assert marker not in response.text, f"{method} {url} leaked {marker!r}"
            if any(value in response.text for value in victim.ids.values()):
                # echoing the caller's own input is fine if it tells nothing: the same answer
                # as for an id that does not exist
                assert 400 <= response.status_code < 500, f"{method} {url} used a victim id"
                unknown = await call(method, url, ghost)
                assert (response.status_code, neutral(response.text, victim.ids)) == (
                    unknown.status_code,
                    neutral(unknown.text, ghost),
                ), f"{method} {url} answers a victim's id unlike an unknown one"
            checked += 1
    assert checked > 10
    assert await snapshot(victim_account.organisation_id) == before
    assert await copied_into(intruder.organisation_id, victim) == []


async def ribbon_forgery(client: Any, token: str, secret: str, interview_id: str) -> Any:
    from tests.webhook_support import event_body, post

    return await post(client, token, event_body("interview_processed", interview_id), secret)


# How a tenant signs, with its own endpoint's secret, a delivery naming another's interview:
# one entry per provider, so a new provider cannot ship without this case.
FORGERIES = {"ribbon": ribbon_forgery}


def test_every_provider_has_a_forgery_case():
    from app.providers.registry import PROVIDERS

    assert set(FORGERIES) == set(PROVIDERS)


@pytest.mark.parametrize("provider", sorted(FORGERIES))
async def test_a_replayed_forged_delivery_still_acts_on_nothing_of_the_victims(
    client, settings, make_account, provider
):
    """The intruder sends a forged delivery to its own endpoint, then replays the stored
    delivery from its delivery log: ignored both times, the victim's rows untouched."""
    from tests.webhook_support import drain

    victim_account = await make_account(org_name="Victim Org")
    victim = await make_victim(victim_account.organisation_id)
    intruder = await make_account(org_name="Intruder Org", role="admin")
    mine = await make_assessment(intruder.organisation_id, provider=provider)
    interview = await db.fetchval(
        "SELECT provider_interview_id FROM invitation WHERE id = $1::uuid",
        victim.ids["invitation_id"],
    )
    before = await snapshot(victim_account.organisation_id)
    answer = await FORGERIES[provider](client, mine.token, mine.secret, interview)
    assert answer.status_code == 202
    delivery_id = answer.json()["delivery_id"]
    await login(client, intruder)
    for _ in range(2):
        await drain(settings)
        row = await db.fetchrow(
            "SELECT status, last_error FROM webhook_delivery WHERE id = $1::uuid", delivery_id
        )
        assert row is not None
        assert tuple(row) == ("ignored", "interview of another assessment")
        replayed = await client.post(
            f"/deliveries/{delivery_id}/replay",
            data={"_csrf_token": await csrf_token(client)},
            follow_redirects=False,
        )
        assert replayed.status_code in (302, 303)
    assert await snapshot(victim_account.organisation_id) == before

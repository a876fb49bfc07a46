"""The audit log page: admins only, their own organisation only."""

from __future__ import annotations

from tests.conftest import login


async def test_admin_sees_own_org_logins_and_recruiter_is_refused(client, make_account):
    admin = await make_account(org_name="Umbrella")
    other = await make_account(org_name="Other")
    await login(client, other)
    client.cookies.clear()
    await login(client, admin)
    page = await client.get("/audit")
    assert page.status_code == 200
    assert admin.email in page.text
    assert other.email not in page.text

    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    client.cookies.clear()
    await login(client, recruiter)
    assert (await client.get("/audit")).status_code == 403


async def test_bad_paging_parameter_is_a_400(client, make_account):
    await login(client, await make_account())
    assert (await client.get("/audit?before=-1")).status_code == 400
    assert (await client.get("/audit?before=abc")).status_code == 400


async def test_details_show_as_readable_text(client, make_account):
    from app.audit.service import record_audit

    admin = await make_account()
    await record_audit(
        None,
        "role_changed",
        detail={"to": "recruiter", "name": "Zoë"},
        organisation_id=admin.organisation_id,
    )
    await login(client, admin)
    page = await client.get("/audit")
    assert "to: recruiter, name: Zoë" in page.text  # issue 14: readable, not raw JSON

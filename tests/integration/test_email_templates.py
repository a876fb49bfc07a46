"""An organisation's own invitation email, against a real PostgreSQL and a real SMTP server
(aiosmtpd): saved with its placeholders checked, previewed, used for new emails with the sender
name, escaped in the HTML part, and reset to Hirewire's wording."""

from __future__ import annotations

import email
import email.policy
import email.utils
from typing import Any

from app import db
from app.queue.worker import Worker
from tests.conftest import form_post, login
from tests.integration.test_emails import _invited, _queue_and_hold, smtp_server

__all__ = ["smtp_server"]

BODY = """Hi {first_name},

Thanks for applying to {job_title} at {org_name} <we read every application>.

{link}

The link works until {expires_at}."""


async def save(client, **changes) -> Any:
    form = {"subject": "{job_title}: your next step", "body": BODY, "sender_name": "Acme Talent"}
    return await form_post(
        client, "/settings/emails/invite", {**form, **changes}, follow_redirects=False
    )


async def test_a_saved_invitation_is_what_candidates_receive(
    client, settings, make_account, smtp_server
):
    controller, inbox = smtp_server
    account, invitation_id = await _invited(make_account)
    await login(client, account)
    saved = await save(client)
    assert (saved.status_code, saved.headers["location"]) == (
        302,
        "/settings/emails?saved=saved#invite",
    )
    page = await client.get("/settings/emails")
    assert "Your wording" in page.text
    preview = await client.get("/settings/emails/invite/preview")
    assert preview.headers["content-security-policy"].startswith("default-src 'none'")
    assert "Thanks for applying to Data Engineer" in preview.text
    assert "&lt;we read every application&gt;" in preview.text

    job = await _queue_and_hold(invitation_id)
    await Worker(settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"))._run(job)
    [envelope] = inbox.messages
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Data <Engineer>: your next step"
    [sender] = message["From"].addresses
    assert sender.display_name == "Acme Talent"
    assert sender.addr_spec == email.utils.parseaddr(settings.email_from)[1]
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert rich is not None
    text, html = plain.get_content(), rich.get_content()
    link = "https://interview.example/i/int-1?t=abc&x=1"
    assert text.startswith("Hi Ada,")
    assert "Data <Engineer> at Acme & Sons <we read every application>." in text
    assert link in text
    assert "Data &lt;Engineer&gt; at Acme &amp; Sons &lt;we read every application&gt;" in html
    assert 'href="https://interview.example/i/int-1?t=abc&amp;x=1"' in html
    assert "Start your interview" in html  # the {link} paragraph became the button
    assert await db.fetchval("SELECT from_name FROM email_message") == "Acme Talent"

    reset = await form_post(client, "/settings/emails/invite/reset", {}, follow_redirects=False)
    assert reset.status_code == 302
    assert "Hirewire&#39;s wording" in (await client.get("/settings/emails")).text
    assert await db.fetchval("SELECT count(*) FROM email_template") == 0


async def test_templates_that_cannot_work_are_refused_with_the_reason(client, make_account):
    account = await make_account()
    await login(client, account)
    for changes, message in [
        ({"body": "Hello {first_name}, no link here."}, "must contain {link}"),
        ({"body": BODY + " {salary}"}, "Unknown placeholder {salary}"),
        ({"subject": "Start: {link}"}, "Keep {link} out of the subject"),
        ({"subject": ""}, "Write a subject"),
        ({"subject": "x" * 201}, "at most 200 characters"),
        ({"sender_name": "Evil <admin@bank.example>"}, "The sender name is a name"),
        ({"body": "{link} " + "x" * 5001}, "at most 5,000 characters"),
    ]:
        answer = await save(client, **changes)
        assert answer.status_code == 400, changes
        assert message in answer.text, changes
    assert await db.fetchval("SELECT count(*) FROM email_template") == 0
    unknown = await form_post(client, "/settings/emails/offer", {"subject": "x", "body": "{link}"})
    assert unknown.status_code == 404


async def test_the_preview_for_a_job_is_the_organisations_own(client, make_account):
    account, _ = await _invited(make_account)
    other = await make_account(org_name="Other")
    other_job = await db.fetchval(
        "INSERT INTO job (organisation_id, title) VALUES ($1, 'Their Secret Job') RETURNING id",
        other.organisation_id,
    )
    own_job = await db.fetchval(
        "SELECT id FROM job WHERE organisation_id = $1", account.organisation_id
    )
    await login(client, account)
    mine = await client.get(f"/settings/emails/invite/preview?job={own_job}")
    assert mine.status_code == 200
    assert "Data &lt;Engineer&gt;" in mine.text  # Hirewire's wording, this job's title
    theirs = await client.get(f"/settings/emails/invite/preview?job={other_job}")
    assert theirs.status_code == 404
    assert "Their Secret Job" not in theirs.text
    assert (await client.get("/settings/emails/invite/preview?job=nope")).status_code == 404


async def test_recruiters_preview_but_do_not_edit(client, make_account):
    admin = await make_account(org_name="Acme")
    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    await login(client, recruiter)
    assert (await client.get("/settings/emails")).status_code == 403
    assert (await save(client)).status_code == 403
    assert (await client.get("/settings/emails/reminder/preview")).status_code == 200


async def test_the_page_shows_the_wording_in_use_for_editing(client, make_account):
    account = await make_account()
    await login(client, account)
    page = (await client.get("/settings/emails")).text
    assert 'value="Your video interview for {job_title} at {org_name}"' in page  # the default
    await save(client)
    page = (await client.get("/settings/emails")).text
    assert 'value="{job_title}: your next step"' in page
    assert 'value="Acme Talent"' in page
    assert "Thanks for applying to {job_title}" in page

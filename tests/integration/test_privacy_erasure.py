"""Erasing a candidate: every personal string is gone from every table, numbers stay, the audit
trail says who erased whom (by id) and when, and only an admin of the organisation can do it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from app import db
from app.accounts.service import CurrentUser
from app.audit.service import record_audit
from app.invitations.service import invite
from app.privacy.retention import redact_expired
from tests.conftest import form_post, login
from tests.factories import InvitationRow, make_assessment, make_invitation
from tests.integration.privacy_search import everywhere, mentions

EMAIL = "Zephyrine.Quill@example.org"
FIRST, LAST = "Zephyrine", "Quillfeather"
PHONE = "+44 7700 900123"
SUMMARY = "Zephyrine explained her move from Bristol (summary-7731)"
TRANSCRIPT = "My name is Zephyrine Quillfeather (transcript-5512)"
VIDEO = "https://media.ribbon.test/video-8842.mp4"
AUDIO = "https://media.ribbon.test/audio-8843.mp3"
LINK = "https://app.ribbon.test/interviews/link-9914"
PERSONAL = [EMAIL, FIRST, LAST, PHONE, SUMMARY, TRANSCRIPT, VIDEO, AUDIO, LINK, "summary-7731"]
OTHER_EMAIL = "grace.other@example.org"


async def seed(org_id: uuid.UUID) -> tuple[InvitationRow, InvitationRow]:
    """A completed interview of the person with personal data in every place it can land,
    and another candidate of the same organisation whose data must stay."""
    assessment = await make_assessment(org_id)
    inv = await make_invitation(
        assessment, status="complete", email=EMAIL, first_name=FIRST, last_name=LAST
    )
    other = await make_invitation(assessment, status="complete", email=OTHER_EMAIL)
    await db.fetch("UPDATE candidate SET phone = $2 WHERE id = $1", inv.candidate_id, PHONE)
    await db.fetch(
        "UPDATE invitation SET interview_link = $2, overall_score = 4 WHERE id = $1", inv.id, LINK
    )
    scores = {"communication": {"key": "communication", "value": 4, "scale": 5, "label": "Comm"}}
    for row, summary, name in ((inv, SUMMARY, FIRST), (other, "Other summary", "Grace")):
        await db.fetch(
            """INSERT INTO assessment_result (invitation_id, organisation_id, provider_status,
                   summary, scores, transcript, question_mapping, audio_url, video_url,
                   raw_payload, problems)
               VALUES ($1, $2, 'completed', $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9::jsonb,
                       $10::jsonb)""",
            row.id,
            org_id,
            summary,
            json.dumps(scores),
            json.dumps([{"role": "interviewee", "text": TRANSCRIPT if row is inv else "hello"}]),
            json.dumps([{"question": "Why us?", "segment_indices": [0]}]),
            AUDIO if row is inv else None,
            VIDEO if row is inv else None,
            json.dumps({"interviewee_email_address": row.email, "first_name": name}),
            json.dumps([f"video missing for {name}"]),
        )
    await db.fetch(
        """INSERT INTO invitation_event (organisation_id, invitation_id, kind, message, detail)
           VALUES ($1, $2, 'email', $3, $4::jsonb), ($1, $2, 'status', 'status: invited -> complete',
                   '{"to": "complete"}')""",
        org_id,
        inv.id,
        f"Invite email sent to {EMAIL}",
        json.dumps({"to": EMAIL}),
    )
    for row, name in ((inv, FIRST), (other, "Grace")):
        await db.fetch(
            """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
                   to_address, subject, body_text, body_html, status)
               VALUES ($1, $2, $3, 'invite', $4, $5, $6, $7, 'sent')""",
            org_id,
            row.id,
            row.candidate_id,
            row.email,
            f"Your interview, {name}",
            f"Hello {name}, here is {LINK if row is inv else 'a link'}",
            f"<p>Hello {name}</p>",
        )
    # A queued email for the person: it must not go out after the erasure.
    await db.fetch(
        """INSERT INTO email_message (organisation_id, invitation_id, candidate_id, kind,
               to_address, subject, body_text, body_html, status)
           VALUES ($1, $2, $3, 'reminder', $4, 'Reminder', 'Hi Zephyrine', '<p>Hi</p>', 'queued')""",
        org_id,
        inv.id,
        inv.candidate_id,
        EMAIL,
    )
    body = {"event_type": "interview_processed", "interviewee_email_address": EMAIL.lower()}
    deliveries = [
        # (invitation, status, payload, raw body)
        (inv.id, "processed", {**body, "interviewee_first_name": FIRST}, None),
        (
            None,
            "dead",
            {"event_type": "candidate_status_updated", "interviewee_email": EMAIL},
            None,
        ),
        (None, "rejected", None, f"not json {EMAIL}".encode()),
        (inv.id, "received", body, None),
        (other.id, "processed", {**body, "interviewee_email_address": OTHER_EMAIL}, None),
        # Not processed yet, so not linked, and without the email: known by its interview id.
        (
            None,
            "received",
            {"event_type": "video_processed", "interview_id": inv.interview_id},
            None,
        ),
    ]
    for i, (invitation_id, status, payload, raw) in enumerate(deliveries):
        delivery_id = await db.fetchval(
            """INSERT INTO webhook_delivery (organisation_id, assessment_id, provider,
                   idempotency_key, status, headers, payload, body, invitation_id, last_error)
               VALUES ($1, $2, 'ribbon', $3, $4, '{"user-agent": "Ribbon"}', $5::jsonb, $6, $7,
                       $8) RETURNING id""",
            org_id,
            assessment.id,
            f"key-{i}",
            status,
            json.dumps(payload) if payload else None,
            raw,
            invitation_id,
            f"unknown candidate {EMAIL}" if status == "dead" else "",
        )
        if status == "received":
            await db.fetch(
                """INSERT INTO queue_job (kind, payload, organisation_id)
                   VALUES ('process_delivery', $1::jsonb, $2)""",
                json.dumps({"delivery_id": str(delivery_id)}),
                org_id,
            )
    await db.fetch(
        """INSERT INTO queue_job (kind, payload, organisation_id, status, last_error)
           VALUES ('send_email', $1::jsonb, $2, 'dead', $3)""",
        json.dumps({"to": EMAIL}),
        org_id,
        f"550 mailbox {EMAIL} unavailable",
    )
    await record_audit(
        None,
        "candidate_added",
        "candidate",
        str(inv.candidate_id),
        {"email": EMAIL},
        organisation_id=org_id,
    )
    return inv, other


async def counts(org_id: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM candidate WHERE organisation_id = $1) AS candidates,
                  (SELECT count(*) FROM application WHERE organisation_id = $1) AS applications,
                  (SELECT count(*) FROM invitation WHERE organisation_id = $1) AS invitations,
                  (SELECT count(*) FROM assessment_result WHERE organisation_id = $1) AS results,
                  (SELECT count(*) FROM email_message WHERE organisation_id = $1) AS emails,
                  (SELECT count(*) FROM webhook_delivery WHERE organisation_id = $1) AS deliveries,
                  (SELECT avg(overall_score) FROM invitation WHERE organisation_id = $1) AS avg,
                  (SELECT array_agg(status ORDER BY status) FROM invitation
                     WHERE organisation_id = $1) AS statuses""",
        org_id,
    )
    assert row is not None
    return dict(row)


async def test_erasure_removes_every_personal_string_and_keeps_the_numbers(
    client: httpx.AsyncClient, make_account: Any
) -> None:
    admin = await make_account(role="admin")
    inv, other = await seed(admin.organisation_id)
    assert set(await everywhere(PERSONAL)) == set(PERSONAL)  # the check does find them
    before = await counts(admin.organisation_id)
    await login(client, admin)

    page = await client.get(f"/candidates/{inv.candidate_id}/erase")
    assert page.status_code == 200
    assert EMAIL in page.text
    assert "cannot be undone" in page.text
    assert "5 raw webhook deliveries" in page.text
    assert "2 emails in the outbox" in page.text

    response = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": f" {EMAIL.upper()} "}
    )
    assert response.status_code in (302, 303), response.text

    assert await everywhere(PERSONAL) == {}
    assert await counts(admin.organisation_id) == before
    result = await db.fetchrow("SELECT * FROM assessment_result WHERE invitation_id = $1", inv.id)
    assert result is not None
    assert result["scores"]["communication"]["value"] == 4
    assert result["summary"] is None
    assert result["video_url"] is None
    assert result["raw_payload"] is None
    candidate = await db.fetchrow("SELECT * FROM candidate WHERE id = $1", inv.candidate_id)
    assert candidate is not None
    assert candidate["erased_at"] is not None
    assert candidate["email"] == f"erased-{inv.candidate_id}@erased.invalid"
    assert (candidate["first_name"], candidate["last_name"]) == ("Erased", "candidate")
    invitation = await db.fetchrow("SELECT * FROM invitation WHERE id = $1", inv.id)
    assert invitation is not None
    assert invitation["provider_interview_id"] is None  # no late webhook can refill it
    assert invitation["status"] == "complete"
    assert invitation["overall_score"] == 4
    assert await db.fetchval(
        "SELECT array_agg(status ORDER BY status) FROM email_message WHERE candidate_id = $1",
        inv.candidate_id,
    ) == ["not_sent", "sent"]
    unfinished = await db.fetchrow(
        "SELECT status, redacted_at FROM webhook_delivery WHERE idempotency_key = 'key-3'"
    )
    assert unfinished is not None
    assert unfinished["status"] == "ignored"
    assert unfinished["redacted_at"] is not None
    assert not await db.fetchval(
        "SELECT count(*) FROM queue_job WHERE kind = 'process_delivery' AND status = 'queued'"
    )
    # The timeline keeps entries that named nobody, and says the erasure happened.
    kinds = await db.fetch(
        "SELECT kind, message FROM invitation_event WHERE invitation_id = $1 ORDER BY id", inv.id
    )
    assert [k["kind"] for k in kinds] == ["email", "status", "erased"]
    assert kinds[1]["message"] == "status: invited -> complete"

    # The other candidate is untouched.
    assert (await mentions(OTHER_EMAIL)).keys() >= {
        "candidate",
        "email_message",
        "webhook_delivery",
    }
    assert (
        await db.fetchval(
            "SELECT summary FROM assessment_result WHERE invitation_id = $1", other.id
        )
        == "Other summary"
    )

    audit = await db.fetch("SELECT * FROM audit_event WHERE action = 'candidate_erased'")
    assert len(audit) == 1
    assert audit[0]["subject_id"] == str(inv.candidate_id)
    assert audit[0]["actor_user_id"] == admin.user_id
    assert audit[0]["actor_label"] == admin.email
    assert audit[0]["organisation_id"] == admin.organisation_id
    assert audit[0]["detail"]["webhook_deliveries"] == 5
    assert not await db.fetchval(
        "SELECT count(*) FROM webhook_delivery WHERE strpos(payload::text, $1) > 0",
        inv.interview_id,
    )

    detail = await client.get(f"/candidates/{inv.candidate_id}")
    assert detail.status_code == 200
    assert "Erased candidate" in detail.text
    assert EMAIL not in detail.text


async def test_an_erased_candidate_cannot_be_invited_again(
    client: httpx.AsyncClient, make_account: Any
) -> None:
    admin = await make_account(role="admin")
    inv, _ = await seed(admin.organisation_id)
    await login(client, admin)
    response = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"}
    )
    assert response.status_code in (302, 303)
    second = await make_assessment(admin.organisation_id, inv.job_id)
    user = CurrentUser(admin.user_id, admin.organisation_id, "Org", admin.email, "", "admin")
    outcome = await invite(user, second.id, [inv.candidate_id])
    assert outcome.created == []
    assert outcome.skipped == 1


async def test_unconfirmed_erasure_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, make_account: Any
) -> None:
    admin = await make_account(role="admin")
    inv, _ = await seed(admin.organisation_id)
    await login(client, admin)
    for typed in ("", "erase", OTHER_EMAIL, "x" * 10_000, "\x00"):
        response = await form_post(
            client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": typed}
        )
        assert response.status_code == 400, typed
        assert "to confirm" in response.text
    assert set(await everywhere([EMAIL, SUMMARY])) == {EMAIL, SUMMARY}
    assert not await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'candidate_erased'"
    )


async def test_only_an_admin_of_the_organisation_can_erase(
    client: httpx.AsyncClient, make_account: Any
) -> None:
    admin = await make_account(role="admin")
    inv, _ = await seed(admin.organisation_id)
    recruiter = await make_account(role="recruiter", organisation_id=admin.organisation_id)
    stranger = await make_account(org_name="Other org", role="admin")
    url = f"/candidates/{inv.candidate_id}/erase"

    await login(client, recruiter)
    assert (await client.get(url)).status_code == 403
    assert (await form_post(client, url, {"confirmation": "ERASE"})).status_code == 403
    candidate_page = await client.get(f"/candidates/{inv.candidate_id}")
    assert url not in candidate_page.text  # no erase button for recruiters

    client.cookies.clear()
    await login(client, stranger)
    page = await client.get(url)
    assert page.status_code == 404
    assert EMAIL not in page.text
    response = await form_post(client, url, {"confirmation": "ERASE"})
    assert response.status_code == 404
    assert EMAIL not in response.text
    missing = await client.get(f"/candidates/{uuid.uuid4()}/erase")
    assert missing.status_code == 404

    assert set(await everywhere([EMAIL, SUMMARY])) == {EMAIL, SUMMARY}

    client.cookies.clear()
    await login(client, admin)
    candidate_page = await client.get(f"/candidates/{inv.candidate_id}")
    assert url in candidate_page.text


async def test_a_webhook_arriving_after_the_erasure_is_redacted_by_the_next_retention_run(
    client: httpx.AsyncClient, make_account: Any
) -> None:
    admin = await make_account(role="admin")
    inv, _ = await seed(admin.organisation_id)
    await login(client, admin)
    response = await form_post(
        client, f"/candidates/{inv.candidate_id}/erase", {"confirmation": "ERASE"}
    )
    assert response.status_code in (302, 303)
    # Ribbon sends video_processed later; the invitation is no longer linked to the interview,
    # so it cannot be applied (it ends dead or ignored) but its payload names the person.
    late = {
        "event_type": "video_processed",
        "interview_id": inv.interview_id,
        "interviewee_email_address": EMAIL,
    }
    for status in ("dead", "received"):
        await db.fetch(
            """INSERT INTO webhook_delivery (organisation_id, provider, idempotency_key, status,
                   payload) VALUES ($1, 'ribbon', $2, $3, $4::jsonb)""",
            admin.organisation_id,
            f"late-{status}",
            status,
            json.dumps(late),
        )
    async with db.transaction():
        await redact_expired(30)
    waiting = await db.fetchrow(
        "SELECT payload, redacted_at FROM webhook_delivery WHERE idempotency_key = 'late-received'"
    )
    assert waiting is not None
    assert waiting["redacted_at"] is None  # redacted once finished, like any delivery
    await db.fetch(
        "UPDATE webhook_delivery SET status = 'dead' WHERE idempotency_key = 'late-received'"
    )
    async with db.transaction():
        await redact_expired(30)
    assert await everywhere(PERSONAL) == {}


async def test_erasure_matches_whole_emails_and_names_only(
    client: httpx.AsyncClient, make_account: Any
) -> None:
    """Erasing ann@example.org leaves joann@example.org and Adam's data alone."""
    admin = await make_account(role="admin")
    assessment = await make_assessment(admin.organisation_id)
    ann = await make_invitation(assessment, email="ann@example.org", first_name="Ann")
    joann = await make_invitation(
        assessment, email="jo.ann@example.org", first_name="Adam", last_name="Lovelace"
    )
    for row in (ann, joann):
        await db.fetch(
            """INSERT INTO email_message (organisation_id, invitation_id, kind, to_address,
                   subject, body_text, body_html) VALUES ($1, NULL, 'invite', $2, 's', 't', 'h')""",
            admin.organisation_id,
            row.email,
        )
        await db.fetch(
            """INSERT INTO webhook_delivery (organisation_id, provider, idempotency_key, status,
                   payload) VALUES ($1, 'ribbon', $2, 'dead', $3::jsonb)""",
            admin.organisation_id,
            row.email,
            json.dumps({"interviewee_email": row.email.upper()}),
        )
    await login(client, admin)
    response = await form_post(
        client, f"/candidates/{ann.candidate_id}/erase", {"confirmation": "ann@example.org"}
    )
    assert response.status_code in (302, 303)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM email_message WHERE to_address = 'jo.ann@example.org'"
        )
        == 1
    )
    assert await db.fetchval("SELECT count(*) FROM webhook_delivery WHERE payload IS NOT NULL") == 1
    assert (
        await db.fetchval("SELECT count(*) FROM email_message WHERE to_address = 'ann@example.org'")
        == 0
    )

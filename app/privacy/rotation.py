"""Rotating an assessment's webhook signing secret.

Ribbon's documented API cannot change an existing flow's secret (there is no update endpoint),
so rotation creates a NEW flow at Ribbon with the same questions, the same webhook URL and a
fresh secret, and points the assessment at it: invitations sent from then on use the new flow
and are signed with the new secret. Interviews already created belong to the old flow, which
Ribbon keeps signing with the old secret: that secret keeps verifying for
WEBHOOK_SECRET_GRACE_SECONDS, and after that their webhooks are refused (401) while their
results still arrive through the reconciliation sweep, which asks Ribbon directly. Nothing is
changed when Ribbon refuses to create the new flow."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from app import db
from app.accounts.service import CurrentUser
from app.assessments.webhook_secret import swap_webhook_secret
from app.audit.service import record_audit
from app.crypto import SecretBox
from app.providers.base import FlowSpec, ProviderError
from app.providers.connection import provider_for_org
from app.settings import Settings


class RotationError(ValueError):
    """Rotation cannot happen now; the message says why and what to do."""


@dataclass(frozen=True)
class Rotated:
    flow_id: str
    previous_flow_id: str | None
    previous_valid_until: dt.datetime


async def secret_state(organisation_id: uuid.UUID, assessment_id: uuid.UUID) -> dict[str, Any]:
    """The assessment as the rotation page shows it (never the secrets themselves)."""
    row = await db.fetchrow(
        """SELECT a.id, a.job_id, a.title, a.status, a.provider, a.provider_flow_id,
                  a.previous_webhook_secret_enc IS NOT NULL
                    AND a.previous_secret_valid_until > now() AS previous_valid,
                  a.previous_secret_valid_until, a.created_at,
                  (SELECT title FROM job j WHERE j.id = a.job_id) AS job_title,
                  (SELECT max(at) FROM audit_event e WHERE e.organisation_id = a.organisation_id
                     AND e.action = 'webhook_secret_rotated' AND e.subject_id = a.id::text)
                    AS rotated_at
           FROM assessment a WHERE a.id = $1 AND a.organisation_id = $2""",
        assessment_id,
        organisation_id,
    )
    if row is None:
        raise NotFoundException("No such assessment.")
    return dict(row)


async def rotate_secret(
    user: CurrentUser, assessment_id: uuid.UUID, settings: Settings, box: SecretBox, ip: str = ""
) -> Rotated:
    org = user.organisation_id
    row = await db.fetchrow(
        """SELECT a.*, o.name AS org_name FROM assessment a
           JOIN organisation o ON o.id = a.organisation_id
           WHERE a.id = $1 AND a.organisation_id = $2""",
        assessment_id,
        org,
    )
    if row is None:
        raise NotFoundException("No such assessment.")
    _check_rotatable(row)
    new_secret = secrets.token_urlsafe(32)
    flow_id = await _create_flow(row, new_secret, settings, box)
    grace_until = dt.datetime.now(dt.UTC) + dt.timedelta(
        seconds=settings.webhook_secret_grace_seconds
    )
    async with db.transaction():
        # Conditional on the secret we started from: of two concurrent rotations one wins.
        swapped = await swap_webhook_secret(
            org,
            assessment_id,
            row["webhook_secret_enc"],
            box.seal(new_secret),
            grace_until,
            flow_id,
        )
        if not swapped:
            raise RotationError("Someone else rotated this secret at the same moment; reload.")
        await record_audit(
            user,
            "webhook_secret_rotated",
            "assessment",
            str(assessment_id),
            {
                "previous_flow_id": row["provider_flow_id"],
                "flow_id": flow_id,
                "previous_secret_valid_until": grace_until.isoformat(),
            },
            ip=ip,
        )
    return Rotated(flow_id, row["provider_flow_id"], grace_until)


def _check_rotatable(row: Any) -> None:
    if row["status"] != "active" or not row["provider_flow_id"]:
        raise RotationError(
            "Only an active assessment (one Ribbon has created) has a webhook secret to rotate."
        )
    until = row["previous_secret_valid_until"]
    if row["previous_webhook_secret_enc"] and until and until > dt.datetime.now(dt.UTC):
        # A second rotation would drop the previous secret at once, cutting off webhooks of
        # the interviews created before the first one.
        raise RotationError(
            "The secret was rotated recently: the previous one is still accepted until "
            f"{until.astimezone(dt.UTC):%d %b %Y, %H:%M} UTC. Rotate again after that."
        )


async def _create_flow(row: Any, secret: str, settings: Settings, box: SecretBox) -> str:
    questions = row["questions"]
    spec = FlowSpec(
        org_name=row["org_name"],
        title=row["title"],
        questions=tuple(json.loads(questions) if isinstance(questions, str) else questions),
        interview_type=row["interview_type"],
        language=row["language"],
        video_enabled=row["video_enabled"],
        intro=row["intro"],
        outro=row["outro"],
        webhook_url=f"{settings.public_base_url}/webhooks/{row['provider']}/{row['webhook_token']}",
        webhook_secret=secret,
    )
    try:
        provider = await provider_for_org(row["organisation_id"], settings, box, row["provider"])
        try:
            return await provider.create_flow(spec)
        finally:
            await provider.aclose()
    except ProviderError as exc:
        raise RotationError(
            f"Ribbon could not create the flow with the new secret, so nothing changed: {exc}"
        ) from None

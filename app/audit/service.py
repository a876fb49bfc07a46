"""Recording and reading the audit trail. Details never carry secrets or erased personal data."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from app import db
from app.audit.tables import AuditEvent


class Actor(Protocol):
    """Who did it: a signed-in user (app.accounts.service.CurrentUser). Audit sits below
    accounts, so that accounts can record what its users do."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def organisation_id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...


async def record_audit(
    actor: Actor | None,
    action: str,
    subject_type: str = "",
    subject_id: str = "",
    detail: dict[str, Any] | None = None,
    ip: str = "",
    organisation_id: uuid.UUID | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            organisation_id=actor.organisation_id if actor else organisation_id,
            actor_user_id=actor.id if actor else None,
            actor_label=actor.email if actor else "system",
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail or {},
            ip=ip,
        )
    )


async def audit_page(
    organisation_id: uuid.UUID, limit: int = 100, before_id: int | None = None
) -> list[Any]:
    return await db.fetch(
        """SELECT id, actor_label, action, subject_type, subject_id, detail::text AS detail, ip,
                  at
           FROM audit_event WHERE organisation_id = $1 AND ($2::bigint IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3""",
        organisation_id,
        before_id,
        limit,
    )

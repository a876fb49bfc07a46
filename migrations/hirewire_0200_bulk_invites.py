"""Bulk invitations: one row per "invite many" request; its progress is the count of its
invitations by status, so nothing has to be kept in step by hand."""

from app.db import sql_migration

ID = "2026-11-22T02:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "bulk invites"

SQL = """
CREATE TABLE bulk_invite (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    job_id uuid NOT NULL REFERENCES job(id) ON DELETE CASCADE,
    assessment_id uuid NOT NULL REFERENCES assessment(id) ON DELETE CASCADE,
    requested integer NOT NULL DEFAULT 0,
    total integer NOT NULL DEFAULT 0,
    skipped integer NOT NULL DEFAULT 0,
    created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bulk_invite_job_idx ON bulk_invite (job_id, created_at DESC);

ALTER TABLE invitation
    ADD COLUMN bulk_invite_id uuid REFERENCES bulk_invite(id) ON DELETE SET NULL;
CREATE INDEX invitation_bulk_idx ON invitation (bulk_invite_id) WHERE bulk_invite_id IS NOT NULL;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

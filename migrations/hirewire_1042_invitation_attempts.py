"""Re-inviting keeps the past: an invitation counts its attempts, and each earlier attempt
(its provider interview, status, dates, score and result) is kept in `invitation_attempt` when
a re-invite starts a new one."""

from app.db import sql_migration

ID = "2026-12-06T03:00:00:001042"
VERSION = "1.38.0"
DESCRIPTION = "invitation attempts"

SQL = """
ALTER TABLE invitation ADD COLUMN attempt integer NOT NULL DEFAULT 1;
CREATE TABLE invitation_attempt (
    id bigserial PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    invitation_id uuid NOT NULL REFERENCES invitation(id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    status text NOT NULL,
    provider_interview_id text,
    invited_at timestamptz,
    expires_at timestamptz,
    completed_at timestamptz,
    overall_score numeric,
    failure_reason text NOT NULL DEFAULT '',
    unavailable jsonb NOT NULL DEFAULT '[]',
    result jsonb,
    ended_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    ended_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invitation_id, attempt)
);
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

"""Reminders that run themselves: each assessment has a schedule (hours after the invitation,
hours before its link expires; by default 48 and 24), and each invitation keeps which of its
reminders went out (or were skipped), so none is sent twice."""

from app.db import sql_migration

ID = "2026-12-06T02:00:00:001041"
VERSION = "1.38.0"
DESCRIPTION = "reminder schedules"

SQL = """
ALTER TABLE assessment ADD COLUMN reminder_schedule jsonb NOT NULL
    DEFAULT '{"after_invite_hours": [48], "before_expiry_hours": [24]}';
CREATE TABLE invitation_reminder (
    id bigserial PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    invitation_id uuid NOT NULL REFERENCES invitation(id) ON DELETE CASCADE,
    slot text NOT NULL,
    email_id uuid,
    note text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invitation_id, slot)
);
CREATE INDEX invitation_invited_idx ON invitation (invited_at) WHERE status = 'invited';
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

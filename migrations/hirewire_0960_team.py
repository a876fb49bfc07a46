"""The team: a colleague invited by an admin has no password until they follow the emailed
link (the same one-time link as a password reset, valid for a week); users record their last
login so admins see who is active."""

from app.db import sql_migration

ID = "2026-12-05T02:00:00:000960"
VERSION = "1.38.0"
DESCRIPTION = "team invitations"

SQL = """
ALTER TABLE app_user ADD COLUMN invited_at timestamptz;
ALTER TABLE app_user ADD COLUMN last_login_at timestamptz;
ALTER TABLE password_reset ADD COLUMN purpose text NOT NULL DEFAULT 'reset'
    CHECK (purpose IN ('reset', 'invite'));
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

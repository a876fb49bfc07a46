"""An organisation can write its own invitation and reminder emails (subject, body with
placeholders, sender name); each outbox email keeps the sender name it was written with."""

from app.db import sql_migration

ID = "2026-12-05T04:00:00:000980"
VERSION = "1.38.0"
DESCRIPTION = "email templates per organisation"

SQL = """
CREATE TABLE email_template (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('invite', 'reminder')),
    subject text NOT NULL,
    body text NOT NULL,
    sender_name text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    UNIQUE (organisation_id, kind)
);
ALTER TABLE email_message ADD COLUMN from_name text NOT NULL DEFAULT '';
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

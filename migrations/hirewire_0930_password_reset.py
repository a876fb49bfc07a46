"""Password reset requests: every request is kept (for its limit, whether or not the email has
an account); one for an account also holds the hash of its one-time link and, until the email
is sent, the link's token sealed with the app's key. Rows are deleted after a week."""

from app.db import sql_migration

ID = "2026-12-04T03:00:00:000930"
VERSION = "1.38.0"
DESCRIPTION = "password reset requests"

SQL = """
CREATE TABLE password_reset (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    ip text NOT NULL,
    device text,
    user_id uuid REFERENCES app_user(id) ON DELETE CASCADE,
    token_hash text UNIQUE,
    token_enc text,
    status text NOT NULL CHECK (status IN
        ('no_account', 'queued', 'sent', 'not_sent', 'failed', 'used', 'superseded')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    used_at timestamptz
);
CREATE INDEX password_reset_email_idx ON password_reset (lower(email), requested_at);
CREATE INDEX password_reset_ip_idx ON password_reset (ip, requested_at);
CREATE INDEX password_reset_device_idx ON password_reset (device, requested_at)
    WHERE device IS NOT NULL;
CREATE INDEX password_reset_user_idx ON password_reset (user_id);
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

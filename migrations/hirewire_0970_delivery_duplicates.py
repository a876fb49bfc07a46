"""A delivery counts the duplicates received after it (the provider retrying, or sending the
same event twice), and when the last one came, for the delivery log."""

from app.db import sql_migration

ID = "2026-12-05T03:00:00:000970"
VERSION = "1.38.0"
DESCRIPTION = "duplicate counts on deliveries"

SQL = """
ALTER TABLE webhook_delivery ADD COLUMN duplicates integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_delivery ADD COLUMN last_duplicate_at timestamptz;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

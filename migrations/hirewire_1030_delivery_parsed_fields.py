"""The webhook endpoint keeps what it parsed from a delivery (the neutral event kind and the
interview id), so the worker does not parse the body again. Rows stored before this have them
NULL and are parsed from their payload as before."""

from app.db import sql_migration

ID = "2026-12-06T01:00:00:001030"
VERSION = "1.38.0"
DESCRIPTION = "parsed fields on webhook deliveries"

SQL = """
ALTER TABLE webhook_delivery ADD COLUMN event_kind text;
ALTER TABLE webhook_delivery ADD COLUMN provider_interview_id text;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

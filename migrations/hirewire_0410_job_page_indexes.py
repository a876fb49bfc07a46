"""Job page window: applications of a job in page order, and an application's invitations (the
cards of one page of candidates, and the "has an invitation in status X" filter)."""

from app.db import sql_migration

ID = "2026-11-22T04:10:00:000410"
VERSION = "1.38.0"
DESCRIPTION = "job page indexes"

SQL = """
CREATE INDEX application_job_order_idx ON application (job_id, created_at DESC, id DESC);
CREATE INDEX invitation_application_idx ON invitation (application_id, status);
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

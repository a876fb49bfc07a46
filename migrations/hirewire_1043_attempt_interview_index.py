"""A webhook for an interview no current invitation has is looked up among earlier attempts
(a re-invite archived it): an index on the archived interview ids keeps that lookup cheap."""

from app.db import sql_migration

ID = "2026-12-06T03:00:00:001043"
VERSION = "1.38.0"
DESCRIPTION = "attempt interview index"

SQL = """
CREATE INDEX invitation_attempt_interview_idx ON invitation_attempt (provider_interview_id)
    WHERE provider_interview_id IS NOT NULL;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

"""Every invitation reaches an end: what the provider was expected to deliver but did not within
its wait (VIDEO_WAIT_SECONDS, RESULTS_WAIT_SECONDS) is listed in `unavailable` and no longer
awaited; `video_due_at` and `results_due_at` say until when a partial invitation waits."""

from app.db import sql_migration

ID = "2026-12-06T01:00:00:001040"
VERSION = "1.38.0"
DESCRIPTION = "unavailable results and their waits"

SQL = """
ALTER TABLE invitation ADD COLUMN unavailable jsonb NOT NULL DEFAULT '[]';
ALTER TABLE invitation ADD COLUMN video_due_at timestamptz;
ALTER TABLE invitation ADD COLUMN results_due_at timestamptz;
CREATE INDEX invitation_partial_idx ON invitation (completed_at) WHERE status = 'partial';
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

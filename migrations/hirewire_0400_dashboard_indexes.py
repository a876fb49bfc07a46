"""Live dashboard: indexes for the compare ranking (by assessment, overall score first), the job
page's newest-first window, the home page's recent results, and a reconnecting stream's catch-up ("what changed since")."""

from app.db import sql_migration

ID = "2026-11-22T04:00:00:000400"
VERSION = "1.38.0"
DESCRIPTION = "dashboard indexes"

SQL = """
CREATE INDEX invitation_assessment_rank_idx
    ON invitation (assessment_id, overall_score DESC NULLS LAST, id);
CREATE INDEX invitation_job_updated_idx ON invitation (job_id, updated_at DESC);
CREATE INDEX assessment_result_org_updated_idx ON assessment_result (organisation_id, updated_at);
CREATE INDEX invitation_event_org_at_idx ON invitation_event (organisation_id, at);
CREATE INDEX invitation_recent_results_idx ON invitation (organisation_id, completed_at DESC)
    WHERE status IN ('partial', 'complete');
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

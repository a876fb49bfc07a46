"""A row per organisation that has ever erased a candidate, written in the erasure's own
transaction: the webhook inbox probes the erased people (emails, interviews) only where this
row exists, so the organisations that never erased anyone skip both probes on every delivery.
Backfilled from the erasures already remembered."""

from app.db import sql_migration

ID = "2026-12-06T01:00:00:001020"
VERSION = "1.38.0"
DESCRIPTION = "erasure marker"

SQL = """
CREATE TABLE erasure_marker (
    organisation_id uuid PRIMARY KEY REFERENCES organisation(id) ON DELETE CASCADE,
    first_erasure_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO erasure_marker (organisation_id, first_erasure_at)
SELECT organisation_id, min(erased_at) FROM (
    SELECT organisation_id, erased_at FROM erased_email
    UNION ALL
    SELECT organisation_id, erased_at FROM erased_interview
) AS erased
GROUP BY organisation_id;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

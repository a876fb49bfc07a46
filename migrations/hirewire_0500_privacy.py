"""Privacy: the provider interview ids of erased candidates (so a webhook that arrives after
the erasure is recognised and redacted, and never linked again), and an index for the
retention job's scan of raw webhook payloads not yet redacted."""

from app.db import sql_migration

ID = "2026-11-22T05:00:00:000500"
VERSION = "1.38.0"
DESCRIPTION = "privacy"

SQL = """
CREATE TABLE erased_interview (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    provider text NOT NULL,
    provider_interview_id text NOT NULL,
    erased_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_interview_id)
);
CREATE INDEX erased_interview_org_idx ON erased_interview (organisation_id, erased_at);

CREATE INDEX webhook_delivery_retention_idx ON webhook_delivery (received_at)
    WHERE redacted_at IS NULL;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

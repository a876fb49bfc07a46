"""Webhook processing: the provider's pipeline moves of each invitation (kept as previous/new
pairs, so the current stage follows from the chain whatever order they arrived in), and an
index for the reconciliation sweep."""

from app.db import sql_migration

ID = "2026-11-22T03:00:00:000300"
VERSION = "1.38.0"
DESCRIPTION = "provider stage moves"

SQL = """
CREATE TABLE provider_stage_move (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    invitation_id uuid NOT NULL REFERENCES invitation(id) ON DELETE CASCADE,
    previous_status text NOT NULL,
    new_status text NOT NULL,
    delivery_id uuid REFERENCES webhook_delivery(id) ON DELETE SET NULL,
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invitation_id, previous_status, new_status)
);

CREATE INDEX invitation_reconcile_idx ON invitation (coalesce(last_checked_at, created_at))
    WHERE status IN ('invited', 'pending', 'partial') AND provider_interview_id IS NOT NULL;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

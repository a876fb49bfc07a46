"""Erasure that holds for late webhooks: keyed hashes (HMAC, key derived from SECRET_KEY) of
erased candidates' emails per organisation, so a delivery naming one is redacted on arrival
without the address being kept; and the same keyed hash on each delivery that names an email,
so a delivery that could not be applied is found from the candidate's page."""

from app.db import sql_migration

ID = "2026-12-05T01:00:00:000950"
VERSION = "1.38.0"
DESCRIPTION = "erased emails"

SQL = """
CREATE TABLE erased_email (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    email_hash text NOT NULL,
    erased_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, email_hash)
);

ALTER TABLE webhook_delivery ADD COLUMN candidate_key text;
CREATE INDEX webhook_delivery_candidate_key_idx ON webhook_delivery
    (organisation_id, candidate_key) WHERE candidate_key IS NOT NULL;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

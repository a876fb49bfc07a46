"""Deliveries are deduplicated per receiving endpoint (the assessment whose token was used), no
longer across organisations: a tenant admin who signs a body naming another organisation's
interview with their own secret could otherwise make that organisation's genuine webhook look
like a duplicate. Every stored row already has the assessment it came in through, and the old
key (provider, idempotency_key) was stricter than the new one, so existing rows stay unique
and a redelivery of any of them to its endpoint is still answered as a duplicate."""

from app.db import sql_migration

ID = "2026-12-04T02:00:00:000910"
VERSION = "1.38.0"
DESCRIPTION = "webhook deliveries deduplicated per endpoint"

SQL = """
ALTER TABLE webhook_delivery
    ADD CONSTRAINT webhook_delivery_endpoint_key UNIQUE (assessment_id, idempotency_key);
ALTER TABLE webhook_delivery DROP CONSTRAINT webhook_delivery_provider_idempotency_key_key;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

"""The webhook inbox: one row per distinct delivery, stored before it is acknowledged."""

from piccolo.columns import JSONB, UUID, Bytea, Integer, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class WebhookDelivery(Table, tablename="webhook_delivery"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    assessment_id = UUID(null=True, default=None)
    provider = Text()
    idempotency_key = Text()
    event_type = Text(default="")
    status = Text(default="received")
    headers = JSONB(default={})
    body = Bytea(null=True, default=None)
    payload = JSONB(null=True, default=None)
    invitation_id = UUID(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
    request_id = Text(default="")
    received_at = Timestamptz(default=TimestamptzNow())
    processed_at = Timestamptz(null=True, default=None)
    redacted_at = Timestamptz(null=True, default=None)
    duplicates = Integer(default=0)  # received again after this one
    last_duplicate_at = Timestamptz(null=True, default=None)
    # Keyed hash of the email the delivery names (SecretBox.candidate_key), never the email.
    candidate_key = Text(null=True, default=None)
    # What the endpoint parsed (EventKind value, interview id), so the worker need not parse
    # the payload again; NULL on rows stored before they were kept.
    event_kind = Text(null=True, default=None)
    provider_interview_id = Text(null=True, default=None)

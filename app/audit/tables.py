"""The audit trail table."""

from piccolo.columns import JSONB, UUID, BigSerial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    id = BigSerial(primary_key=True)
    organisation_id = UUID(null=True, default=None)
    actor_user_id = UUID(null=True, default=None)
    actor_label = Text(default="")
    action = Text()
    subject_type = Text(default="")
    subject_id = Text(default="")
    detail = JSONB(default={})
    ip = Text(default="")
    at = Timestamptz(default=TimestamptzNow())

"""The queue table: one row per background job."""

from piccolo.columns import JSONB, UUID, BigSerial, Integer, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class QueueJob(Table, tablename="queue_job"):
    id = BigSerial(primary_key=True)
    kind = Text()
    payload = JSONB(default={})
    status = Text(default="queued")
    dedupe_key = Text(null=True, default=None)
    organisation_id = UUID(null=True, default=None)
    attempts = Integer(default=0)
    max_attempts = Integer(default=8)
    run_at = Timestamptz(default=TimestamptzNow())
    lease_token = UUID(null=True, default=None)
    lease_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)

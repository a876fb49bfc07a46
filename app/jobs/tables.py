"""The job table (a position being hired for; not a background job, see app.queue)."""

from piccolo.columns import UUID, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Job(Table, tablename="job"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    title = Text()
    department = Text(default="")
    location = Text(default="")
    description = Text(default="")
    status = Text(default="open")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

"""Candidates (people, one row per organisation and email) and their applications to jobs."""

from piccolo.columns import UUID, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Candidate(Table, tablename="candidate"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    email = Text()
    first_name = Text(default="")
    last_name = Text(default="")
    phone = Text(default="")
    erased_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Application(Table, tablename="application"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    job_id = UUID()
    candidate_id = UUID()
    stage = Text(default="applied")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

"""Piccolo classes for the Ribbon sandbox's own tables (see migration 0100)."""

from piccolo.columns import (
    JSONB,
    UUID,
    BigSerial,
    Bytea,
    DoublePrecision,
    Integer,
    Text,
    Timestamptz,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class SandboxFlow(Table, tablename="sandbox_flow"):
    id = Text(primary_key=True)
    team_id = UUID()
    spec = JSONB()
    knobs = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class SandboxInterview(Table, tablename="sandbox_interview"):
    id = Text(primary_key=True)
    flow_id = Text()
    team_id = UUID()
    link_token = Text()
    interview_link = Text()
    email = Text(null=True, default=None)
    first_name = Text(null=True, default=None)
    last_name = Text(null=True, default=None)
    assigned_recruiter_id = Text(null=True, default=None)
    status = Text(default="incomplete")
    answers = JSONB(default=[])
    interview_data = JSONB(null=True, default=None)
    video_url = Text(null=True, default=None)
    video_ready_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    completed_at = Timestamptz(null=True, default=None)


class SandboxDelivery(Table, tablename="sandbox_delivery"):
    id = BigSerial(primary_key=True)
    flow_id = Text()
    interview_id = Text(null=True, default=None)
    event_type = Text()
    url = Text()
    body = Bytea()
    signature = Text(null=True, default=None)
    status = Text(default="pending")
    attempts = Integer(default=0)
    max_attempts = Integer(default=8)
    retry_base_seconds = DoublePrecision(default=1.0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    lease_until = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)


class SandboxKnobs(Table, tablename="sandbox_knobs"):
    id = Integer(primary_key=True)
    knobs = JSONB(default={})
    updated_at = Timestamptz(default=TimestamptzNow())

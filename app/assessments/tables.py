"""Assessments: our side of a provider's interview flow, with its webhook token and secret."""

from piccolo.columns import JSONB, UUID, Boolean, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Assessment(Table, tablename="assessment"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    job_id = UUID()
    title = Text()
    questions = JSONB(default=[])
    interview_type = Text(default="recruitment")
    language = Text(default="en-US")
    video_enabled = Boolean(default=False)
    blind_review = Boolean(default=False)
    intro = Text(default="")
    outro = Text(default="")
    provider = Text(default="ribbon")
    status = Text(default="creating")
    failure_reason = Text(default="")
    provider_flow_id = Text(null=True, default=None)
    webhook_token = Text()
    webhook_secret_enc = Text(secret=True)
    previous_webhook_secret_enc = Text(null=True, default=None, secret=True)
    previous_secret_valid_until = Timestamptz(null=True, default=None)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # {"after_invite_hours": [48], "before_expiry_hours": [24]}: app/assessments/reminders.py
    reminder_schedule = JSONB(default={"after_invite_hours": [48], "before_expiry_hours": [24]})

"""The outbox: every email is a row first, sent by a background job, readable forever after."""

from piccolo.columns import UUID, Integer, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class EmailMessage(Table, tablename="email_message"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID(null=True, default=None)
    candidate_id = UUID(null=True, default=None)
    kind = Text()
    to_address = Text()
    subject = Text()
    body_text = Text()
    body_html = Text()
    status = Text(default="queued")
    attempts = Integer(default=0)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    from_name = Text(default="")  # the sender name the organisation chose, if any


class EmailTemplate(Table, tablename="email_template"):
    """An organisation's own wording of the invitation or reminder email (app/emails/custom.py)."""

    id = UUID(primary_key=True)
    organisation_id = UUID()
    kind = Text()
    subject = Text()
    body = Text()
    sender_name = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = UUID(null=True, default=None)

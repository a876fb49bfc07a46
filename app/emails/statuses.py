"""The statuses of an email in the outbox (the `email_message.status` column)."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class EmailStatus(Vocabulary):
    QUEUED = "queued", "Queued", True
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    NOT_SENT = "not_sent", "Not sent"  # no SMTP server set: kept in the outbox only

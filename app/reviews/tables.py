"""A reviewer's own ratings and notes on an invitation, and the append-only decision trail."""

from piccolo.columns import JSONB, UUID, Boolean, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Review(Table, tablename="review"):
    """One reviewer's ratings (dimension key -> 1..5) and notes; one row per reviewer and
    invitation, kept apart from the provider's AI scores."""

    id = UUID(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID()
    reviewer_id = UUID()
    ratings = JSONB(default={})
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Decision(Table, tablename="decision"):
    """One decision as it was made, with a copy of the AI output on screen (`ai_output`, its
    digest `ai_version`); never updated except by erasure's redaction (a trigger holds it)."""

    id = UUID(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID()
    candidate_id = UUID()
    job_id = UUID()
    decided_by = UUID(null=True, default=None)
    decided_by_label = Text()
    outcome = Text()
    reason = Text(default="")
    stage_moved_to = Text(default="")
    ai_shown = Boolean()
    ai_output = JSONB(default={})
    ai_version = Text(default="")
    decided_at = Timestamptz(default=TimestamptzNow())
    redacted_at = Timestamptz(null=True, default=None)

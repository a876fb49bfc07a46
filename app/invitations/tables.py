"""Invitations, the merged result of each, the timeline of everything that touched them and the
provider's pipeline moves."""

from piccolo.columns import JSONB, UUID, BigSerial, Integer, Numeric, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Invitation(Table, tablename="invitation"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    assessment_id = UUID()
    application_id = UUID()
    candidate_id = UUID()
    job_id = UUID()
    status = Text(default="sending")
    missing = JSONB(default=[])
    failure_reason = Text(default="")
    provider = Text(default="ribbon")
    provider_interview_id = Text(null=True, default=None)
    interview_link = Text(default="")
    provider_stage = Text(default="")
    overall_score = Numeric(null=True, default=None)
    invited_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    last_checked_at = Timestamptz(null=True, default=None)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    bulk_invite_id = UUID(null=True, default=None)
    unavailable = JSONB(default=[])  # expected items no longer awaited (their wait is over)
    video_due_at = Timestamptz(null=True, default=None)
    results_due_at = Timestamptz(null=True, default=None)
    attempt = Integer(default=1)  # re-invites count up; earlier ones are InvitationAttempt rows


class BulkInvite(Table, tablename="bulk_invite"):
    """One "invite many" request; its progress is counted from its invitations."""

    id = UUID(primary_key=True)
    organisation_id = UUID()
    job_id = UUID()
    assessment_id = UUID()
    requested = Integer(default=0)
    total = Integer(default=0)
    skipped = Integer(default=0)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class AssessmentResult(Table, tablename="assessment_result"):
    invitation_id = UUID(primary_key=True)
    organisation_id = UUID()
    provider_status = Text(default="")
    summary = Text(null=True, default=None)
    scores = JSONB(default={})
    transcript = JSONB(default=[])
    question_mapping = JSONB(default=[])
    audio_url = Text(null=True, default=None)
    video_url = Text(null=True, default=None)
    problems = JSONB(default=[])
    raw_payload = JSONB(null=True, default=None)
    fetched_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class InvitationEvent(Table, tablename="invitation_event"):
    id = BigSerial(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID()
    kind = Text()
    message = Text(default="")
    detail = JSONB(default={})
    delivery_id = UUID(null=True, default=None)
    actor_user_id = UUID(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())


class ProviderStageMove(Table, tablename="provider_stage_move"):
    """One pipeline move reported by the provider (previous -> new) for an invitation."""

    id = BigSerial(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID()
    previous_status = Text()
    new_status = Text()
    delivery_id = UUID(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())


class InvitationReminder(Table, tablename="invitation_reminder"):
    """One scheduled reminder of an invitation ("after:48", "before:24"): sent (its email) or
    skipped (the note says why), never twice."""

    id = BigSerial(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID()
    slot = Text()
    email_id = UUID(null=True, default=None)
    note = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class InvitationAttempt(Table, tablename="invitation_attempt"):
    """An earlier attempt of an invitation, kept when a re-invite starts a new one: its
    interview, status, dates, score and result (`{"scores": ..., "summary": ...}`)."""

    id = BigSerial(primary_key=True)
    organisation_id = UUID()
    invitation_id = UUID()
    attempt = Integer()
    status = Text()
    provider_interview_id = Text(null=True, default=None)
    invited_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    overall_score = Numeric(null=True, default=None)
    failure_reason = Text(default="")
    unavailable = JSONB(default=[])
    result = JSONB(null=True, default=None)
    ended_by = UUID(null=True, default=None)
    ended_at = Timestamptz(default=TimestamptzNow())

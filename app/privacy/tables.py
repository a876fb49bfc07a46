"""Privacy tables: provider interview ids of erased candidates (opaque ids, no personal data)
and keyed hashes of their emails."""

from piccolo.columns import UUID, BigSerial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ErasedInterview(Table, tablename="erased_interview"):
    """Kept for RAW_PAYLOAD_RETENTION_DAYS after an erasure: a late webhook naming one of
    these interviews is redacted by the retention job instead of lingering."""

    id = BigSerial(primary_key=True)
    organisation_id = UUID()
    provider = Text()
    provider_interview_id = Text()
    erased_at = Timestamptz(default=TimestamptzNow())


class ErasedEmail(Table, tablename="erased_email"):
    """A keyed hash (SecretBox.candidate_key) of an erased candidate's email, kept as long as
    the organisation: a webhook naming that email, however late, is redacted on arrival."""

    id = BigSerial(primary_key=True)
    organisation_id = UUID()
    email_hash = Text()
    erased_at = Timestamptz(default=TimestamptzNow())


class ErasureMarker(Table, tablename="erasure_marker"):
    """One row per organisation that has ever erased a candidate, written by the erasure's own
    transaction and never removed: where it is absent, the webhook inbox skips its probes of
    the erased people, and where it is present they run, so no late delivery slips through."""

    organisation_id = UUID(primary_key=True)
    first_erasure_at = Timestamptz(default=TimestamptzNow())

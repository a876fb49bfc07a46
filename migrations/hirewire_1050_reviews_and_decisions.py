"""Review and decide (issue 14, items 4 and 5): a per-assessment blind-first setting, each
reviewer's own ratings and notes per invitation, and the decision trail. The trail is
append-only in the database itself: a trigger refuses every DELETE, and every UPDATE except the
one erasure makes (personal text removed, `redacted_at` set, the decision facts unchanged)."""

from app.db import sql_migration

ID = "2026-12-06T05:00:00:001050"
VERSION = "1.38.0"
DESCRIPTION = "reviews and the decision trail"

SQL = """
ALTER TABLE assessment ADD COLUMN blind_review boolean NOT NULL DEFAULT false;

CREATE TABLE review (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    invitation_id uuid NOT NULL REFERENCES invitation(id) ON DELETE CASCADE,
    reviewer_id uuid NOT NULL REFERENCES app_user(id),
    ratings jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invitation_id, reviewer_id)
);
CREATE INDEX review_org_invitation ON review (organisation_id, invitation_id);

-- No ON DELETE rules: nothing may take a decision away with it.
CREATE TABLE decision (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id),
    invitation_id uuid NOT NULL REFERENCES invitation(id),
    candidate_id uuid NOT NULL REFERENCES candidate(id),
    job_id uuid NOT NULL REFERENCES job(id),
    decided_by uuid REFERENCES app_user(id),
    decided_by_label text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('advance', 'hold', 'reject')),
    reason text NOT NULL DEFAULT '',
    stage_moved_to text NOT NULL DEFAULT '',
    ai_shown boolean NOT NULL,
    ai_output jsonb NOT NULL DEFAULT '{}'::jsonb,
    ai_version text NOT NULL DEFAULT '',
    decided_at timestamptz NOT NULL DEFAULT now(),
    redacted_at timestamptz
);
CREATE INDEX decision_org_decided ON decision (organisation_id, decided_at DESC, id DESC);
CREATE INDEX decision_invitation ON decision (invitation_id, decided_at DESC);

CREATE FUNCTION decision_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND (NEW.id, NEW.organisation_id, NEW.invitation_id, NEW.candidate_id, NEW.job_id,
            NEW.decided_by, NEW.decided_by_label, NEW.outcome, NEW.stage_moved_to,
            NEW.ai_shown, NEW.ai_version, NEW.decided_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.organisation_id, OLD.invitation_id, OLD.candidate_id, OLD.job_id,
            OLD.decided_by, OLD.decided_by_label, OLD.outcome, OLD.stage_moved_to,
            OLD.ai_shown, OLD.ai_version, OLD.decided_at)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the decision trail is append-only: record a new decision instead'
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER decision_append_only BEFORE UPDATE OR DELETE ON decision
    FOR EACH ROW EXECUTE FUNCTION decision_append_only();
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

"""Core schema: organisations and people, jobs, candidates, assessments, invitations,
results and their timeline, the email outbox, the webhook inbox and the job queue."""

from app.db import sql_migration

ID = "2026-11-22T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "core schema"

SQL = """
CREATE TABLE organisation (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    ribbon_api_key_enc text,
    ribbon_api_key_hint text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'recruiter')),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email));
CREATE INDEX app_user_organisation_idx ON app_user (organisation_id);

CREATE TABLE user_session (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    ip text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX user_session_user_idx ON user_session (user_id);

CREATE TABLE api_token (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    prefix text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

CREATE TABLE login_attempt (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    ip text NOT NULL,
    succeeded boolean NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempt_email_idx ON login_attempt (lower(email), at) WHERE NOT succeeded;
CREATE INDEX login_attempt_ip_idx ON login_attempt (ip, at) WHERE NOT succeeded;

CREATE TABLE audit_event (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid REFERENCES organisation(id) ON DELETE CASCADE,
    actor_user_id uuid REFERENCES app_user(id) ON DELETE SET NULL,
    actor_label text NOT NULL DEFAULT '',
    action text NOT NULL,
    subject_type text NOT NULL DEFAULT '',
    subject_id text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}',
    ip text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_event_org_idx ON audit_event (organisation_id, at DESC);

CREATE TABLE job (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    department text NOT NULL DEFAULT '',
    location text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_org_idx ON job (organisation_id, created_at DESC);

CREATE TABLE candidate (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    email text NOT NULL,
    first_name text NOT NULL DEFAULT '',
    last_name text NOT NULL DEFAULT '',
    phone text NOT NULL DEFAULT '',
    erased_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX candidate_org_email_key ON candidate (organisation_id, lower(email));

CREATE TABLE application (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    job_id uuid NOT NULL REFERENCES job(id) ON DELETE CASCADE,
    candidate_id uuid NOT NULL REFERENCES candidate(id) ON DELETE CASCADE,
    stage text NOT NULL DEFAULT 'applied' CHECK (stage IN
        ('applied', 'screening', 'shortlisted', 'interview', 'offer', 'hired', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, candidate_id)
);
CREATE INDEX application_candidate_idx ON application (candidate_id);

CREATE TABLE assessment (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    job_id uuid NOT NULL REFERENCES job(id) ON DELETE CASCADE,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    questions jsonb NOT NULL DEFAULT '[]',
    interview_type text NOT NULL DEFAULT 'recruitment',
    language text NOT NULL DEFAULT 'en-US',
    video_enabled boolean NOT NULL DEFAULT false,
    intro text NOT NULL DEFAULT '',
    outro text NOT NULL DEFAULT '',
    provider text NOT NULL DEFAULT 'ribbon',
    status text NOT NULL DEFAULT 'creating' CHECK (status IN ('creating', 'active', 'failed', 'archived')),
    failure_reason text NOT NULL DEFAULT '',
    provider_flow_id text,
    webhook_token text NOT NULL UNIQUE,
    webhook_secret_enc text NOT NULL,
    previous_webhook_secret_enc text,
    previous_secret_valid_until timestamptz,
    created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessment_job_idx ON assessment (job_id);
CREATE UNIQUE INDEX assessment_flow_key ON assessment (provider, provider_flow_id)
    WHERE provider_flow_id IS NOT NULL;

CREATE TABLE invitation (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    assessment_id uuid NOT NULL REFERENCES assessment(id) ON DELETE CASCADE,
    application_id uuid NOT NULL REFERENCES application(id) ON DELETE CASCADE,
    candidate_id uuid NOT NULL REFERENCES candidate(id) ON DELETE CASCADE,
    job_id uuid NOT NULL REFERENCES job(id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'sending' CHECK (status IN
        ('sending', 'invited', 'pending', 'partial', 'complete', 'expired', 'cancelled', 'failed')),
    missing jsonb NOT NULL DEFAULT '[]',
    failure_reason text NOT NULL DEFAULT '',
    provider text NOT NULL DEFAULT 'ribbon',
    provider_interview_id text,
    interview_link text NOT NULL DEFAULT '',
    provider_stage text NOT NULL DEFAULT '',
    overall_score numeric,
    invited_at timestamptz,
    completed_at timestamptz,
    expires_at timestamptz,
    last_checked_at timestamptz,
    created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (assessment_id, candidate_id)
);
CREATE UNIQUE INDEX invitation_interview_key ON invitation (provider, provider_interview_id)
    WHERE provider_interview_id IS NOT NULL;
CREATE INDEX invitation_job_idx ON invitation (job_id, status);
CREATE INDEX invitation_job_score_idx ON invitation (job_id, overall_score DESC NULLS LAST);
CREATE INDEX invitation_candidate_idx ON invitation (candidate_id);
CREATE INDEX invitation_waiting_idx ON invitation (updated_at)
    WHERE status IN ('invited', 'pending', 'partial');

CREATE TABLE assessment_result (
    invitation_id uuid PRIMARY KEY REFERENCES invitation(id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    provider_status text NOT NULL DEFAULT '',
    summary text,
    scores jsonb NOT NULL DEFAULT '{}',
    transcript jsonb NOT NULL DEFAULT '[]',
    question_mapping jsonb NOT NULL DEFAULT '[]',
    audio_url text,
    video_url text,
    problems jsonb NOT NULL DEFAULT '[]',
    raw_payload jsonb,
    fetched_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invitation_event (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    invitation_id uuid NOT NULL REFERENCES invitation(id) ON DELETE CASCADE,
    kind text NOT NULL,
    message text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}',
    delivery_id uuid,
    actor_user_id uuid REFERENCES app_user(id) ON DELETE SET NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitation_event_invitation_idx ON invitation_event (invitation_id, id);

CREATE TABLE email_message (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    invitation_id uuid REFERENCES invitation(id) ON DELETE CASCADE,
    candidate_id uuid REFERENCES candidate(id) ON DELETE CASCADE,
    kind text NOT NULL,
    to_address text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    body_html text NOT NULL,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'not_sent')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX email_message_invitation_idx ON email_message (invitation_id);
CREATE INDEX email_message_candidate_idx ON email_message (candidate_id);

CREATE TABLE webhook_delivery (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    assessment_id uuid REFERENCES assessment(id) ON DELETE SET NULL,
    provider text NOT NULL,
    idempotency_key text NOT NULL,
    event_type text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'received' CHECK (status IN
        ('received', 'processing', 'processed', 'ignored', 'rejected', 'failed', 'dead')),
    headers jsonb NOT NULL DEFAULT '{}',
    body bytea,
    payload jsonb,
    invitation_id uuid REFERENCES invitation(id) ON DELETE SET NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    request_id text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    redacted_at timestamptz,
    UNIQUE (provider, idempotency_key)
);
CREATE INDEX webhook_delivery_org_idx ON webhook_delivery (organisation_id, received_at DESC);
CREATE INDEX webhook_delivery_status_idx ON webhook_delivery (status, received_at)
    WHERE status NOT IN ('processed', 'ignored');
CREATE INDEX webhook_delivery_invitation_idx ON webhook_delivery (invitation_id);

CREATE TABLE queue_job (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
    dedupe_key text,
    organisation_id uuid REFERENCES organisation(id) ON DELETE CASCADE,
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 8,
    run_at timestamptz NOT NULL DEFAULT now(),
    lease_token uuid,
    lease_until timestamptz,
    last_error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE UNIQUE INDEX queue_job_dedupe_key ON queue_job (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
CREATE INDEX queue_job_ready_idx ON queue_job (run_at) WHERE status = 'queued';
CREATE INDEX queue_job_lease_idx ON queue_job (lease_until) WHERE status = 'running';
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

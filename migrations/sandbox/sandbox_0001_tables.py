"""The Ribbon sandbox's own state: its flows, interviews, webhook deliveries and knobs. Nothing
in Hirewire reads these tables; they stand in for Ribbon's side of the wire. Applied only where
the sandbox runs (`just dev`, `hirewire sandbox`, `SANDBOX_ENABLED=1`, the tests)."""

from app.db import SANDBOX_APP, sql_migration

ID = "2026-12-03T16:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "ribbon sandbox tables"

SQL = """
CREATE TABLE sandbox_flow (
    id text PRIMARY KEY,
    team_id uuid NOT NULL,
    spec jsonb NOT NULL,
    knobs jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_flow_team_idx ON sandbox_flow (team_id, created_at DESC, id DESC);

CREATE TABLE sandbox_interview (
    id text PRIMARY KEY,
    flow_id text NOT NULL REFERENCES sandbox_flow(id) ON DELETE CASCADE,
    team_id uuid NOT NULL,
    link_token text NOT NULL,
    interview_link text NOT NULL,
    email text,
    first_name text,
    last_name text,
    assigned_recruiter_id text,
    status text NOT NULL DEFAULT 'incomplete' CHECK (status IN ('incomplete', 'completed')),
    answers jsonb NOT NULL DEFAULT '[]',
    interview_data jsonb,
    video_url text,
    video_ready_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX sandbox_interview_team_idx ON sandbox_interview (team_id, created_at DESC, id DESC);
CREATE INDEX sandbox_interview_flow_idx ON sandbox_interview (flow_id);

CREATE TABLE sandbox_delivery (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_id text NOT NULL REFERENCES sandbox_flow(id) ON DELETE CASCADE,
    interview_id text REFERENCES sandbox_interview(id) ON DELETE CASCADE,
    event_type text NOT NULL,
    url text NOT NULL,
    body bytea NOT NULL,
    signature text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN
        ('pending', 'sending', 'delivered', 'failed', 'dropped')),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 8,
    retry_base_seconds double precision NOT NULL DEFAULT 1.0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    last_status_code integer,
    last_error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX sandbox_delivery_due_idx ON sandbox_delivery (next_attempt_at, id)
    WHERE status IN ('pending', 'sending');
CREATE INDEX sandbox_delivery_interview_idx ON sandbox_delivery (interview_id, id);
CREATE INDEX sandbox_delivery_flow_idx ON sandbox_delivery (flow_id, id);

CREATE TABLE sandbox_knobs (
    id integer PRIMARY KEY CHECK (id = 1),
    knobs jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


forwards = sql_migration(ID, DESCRIPTION, SQL, app_name=SANDBOX_APP)

"""Bulk data for the benchmarks, written with set-based SQL so 20,000 invitations take seconds."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass

from app import db
from app.accounts.service import create_user
from tests.bench.ingest import Assessment, seed_assessment

PASSWORD = "bench-password-123"

SCORES = json.dumps(
    {
        "communication": {"key": "communication", "value": 4, "scale": 5, "label": "Communication"},
        "motivation": {"key": "motivation", "value": 3, "scale": 5, "label": "Motivation"},
        "skills": {"key": "skills", "value": 5, "scale": 5, "label": "Skills"},
    }
)
TRANSCRIPT = json.dumps(
    [
        {
            "role": "interviewer",
            "text": "Tell us about a project you led.",
            "start": 0.0,
            "end": 3.1,
        },
        {
            "role": "candidate",
            "text": "I led a migration to services last year. " * 8,
            "start": 3.5,
            "end": 40.2,
        },
    ]
)
MAPPING = json.dumps(
    [
        {
            "question": "Tell us about a project you led.",
            "segment_indices": [0, 1],
            "start": 0.0,
            "end": 40.2,
        }
    ]
)


@dataclass
class SeededJob:
    assessment: Assessment
    email: str
    candidate_id: uuid.UUID
    size: int


async def seed_job(size: int) -> SeededJob:
    """A job with `size` candidates, each invited; about 60% complete, 20% partial."""
    assessment = await seed_assessment(name=f"Pages {size}")
    email = f"bench-{secrets.token_hex(4)}@example.com"
    await create_user(assessment.organisation_id, email, PASSWORD, "admin", "Bench Admin")
    org, job, assessment_id = (
        assessment.organisation_id,
        assessment.job_id,
        assessment.assessment_id,
    )
    tag = secrets.token_hex(3)
    await db.fetch(
        """
        WITH c AS (
          INSERT INTO candidate (organisation_id, email, first_name, last_name)
          SELECT $1, 'cand' || g || '-' || $4 || '@example.com', 'First' || g, 'Last' || g
          FROM generate_series(1, $3) g RETURNING id
        ), a AS (
          INSERT INTO application (organisation_id, job_id, candidate_id)
          SELECT $1, $2, id FROM c RETURNING id, candidate_id
        )
        INSERT INTO invitation (organisation_id, assessment_id, application_id, candidate_id, job_id,
                                status, provider_interview_id, interview_link, invited_at,
                                overall_score, completed_at, missing)
        SELECT $1, $5, a.id, a.candidate_id, $2,
               CASE WHEN r < 0.6 THEN 'complete' WHEN r < 0.8 THEN 'partial' ELSE 'invited' END,
               gen_random_uuid()::text, 'https://example.com/i/' || a.id, now() - interval '2 days',
               CASE WHEN r < 0.8 THEN round((1 + r * 5)::numeric % 5, 2) END,
               CASE WHEN r < 0.8 THEN now() - interval '1 day' END,
               CASE WHEN r >= 0.6 AND r < 0.8 THEN '["video"]'::jsonb ELSE '[]'::jsonb END
        FROM (SELECT a.*, random() AS r FROM a) a
        """,
        org,
        job,
        size,
        tag,
        assessment_id,
    )
    await db.fetch(
        """
        INSERT INTO assessment_result (invitation_id, organisation_id, provider_status, summary,
                                       scores, transcript, question_mapping, audio_url, video_url)
        SELECT id, organisation_id, 'completed', 'Clear, structured answers.', $2::jsonb, $3::jsonb,
               $4::jsonb, 'https://example.com/a.mp3',
               CASE WHEN status = 'complete' THEN 'https://example.com/v.mp4' END
        FROM invitation WHERE job_id = $1 AND status IN ('complete', 'partial')
        """,
        job,
        SCORES,
        TRANSCRIPT,
        MAPPING,
    )
    await db.fetch(
        """
        INSERT INTO invitation_event (organisation_id, invitation_id, kind, message)
        SELECT organisation_id, id, k, 'bench event'
        FROM invitation, unnest(ARRAY['invited', 'email_sent', 'webhook', 'status']) k
        WHERE job_id = $1
        """,
        job,
    )
    candidate_id = await db.fetchval(
        "SELECT candidate_id FROM invitation WHERE job_id = $1 AND status = 'complete' LIMIT 1", job
    )
    await db.fetch("ANALYZE")
    return SeededJob(assessment, email, candidate_id, size)

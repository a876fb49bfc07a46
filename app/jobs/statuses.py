"""The statuses of a job (the `job.status` column)."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class JobStatus(Vocabulary):
    OPEN = "open", "Open", True
    CLOSED = "closed", "Closed"  # reopenable; no invites, candidates or assessments meanwhile

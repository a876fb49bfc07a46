"""The statuses of an assessment (the `assessment.status` column)."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class AssessmentStatus(Vocabulary):
    CREATING = "creating", "Creating", True  # its interview flow is being made at the provider
    ACTIVE = "active", "Active", True  # invitations possible
    FAILED = "failed", "Failed"  # see failure_reason
    ARCHIVED = "archived", "Archived"

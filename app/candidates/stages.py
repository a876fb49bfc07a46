"""The pipeline stages of an application (the `application.stage` column), in pipeline order."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class Stage(Vocabulary):
    APPLIED = "applied", "Applied", True
    SCREENING = "screening", "Screening", True
    SHORTLISTED = "shortlisted", "Shortlisted", True
    INTERVIEW = "interview", "Interview", True
    OFFER = "offer", "Offer", True
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"

"""The job page's view: the job, its assessments and one window of its candidates with their
cards, read on one connection. The job's routes render it, and so do the candidate and
invitation routes that show the job page again with a form error."""

from __future__ import annotations

import uuid
from typing import Any

from app import db
from app.accounts.service import CurrentUser
from app.assessments.service import job_assessments
from app.assessments.statuses import AssessmentStatus
from app.candidates.stages import Stage
from app.dashboard.job_window import Window, candidate_page
from app.invitations.blind import blind_cards
from app.invitations.bulk import recent_for_job
from app.invitations.statuses import InvitationStatus
from app.jobs import service
from app.web.cursors import live_cursor


async def job_page_context(
    user: CurrentUser, job_id: uuid.UUID, window: Window | None = None
) -> dict[str, Any]:
    """Everything the job page shows (also used to re-render it with a form error): the job,
    its assessments and one window of its candidates, never all of them."""
    # One connection for the page's ~8 reads instead of a pool checkout (and its reset
    # round trip) for each: about half the database time of the page.
    async with db.transaction():
        job = await service.get_job(user.organisation_id, job_id)
        # Taken before the cards are read: the live stream replays anything changed after it.
        cursor = await live_cursor()
        assessments = await job_assessments(user.organisation_id, job_id)
        page = await candidate_page(user.organisation_id, job_id, window or Window())
        # Blind-first review: no AI overall score on cards this reviewer has not rated yet.
        shown = await blind_cards(user.organisation_id, user.id, list(page.cards.values()))
        page.cards = {(c.assessment_id, c.candidate_id): c for c in shown}
        bulks = await recent_for_job(user.organisation_id, job_id)
    return {
        "job": job,
        "assessments": assessments,
        "active_assessments": [a for a in assessments if a["status"] == AssessmentStatus.ACTIVE],
        "page": page,
        "candidates": page.rows,
        "cards": page.cards,
        "bulks": bulks,
        "stages": Stage,
        "statuses": InvitationStatus,
        "values": {},
        "live_cursor": cursor,
    }

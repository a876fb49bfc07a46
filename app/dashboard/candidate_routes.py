"""The candidate page, which reads across features: the candidate's applications, every
invitation's card and result (scores, summary, transcript, media, timeline), the emails sent
to them and the stage moves the provider reported that could not be applied."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app import db
from app.accounts.service import CurrentUser
from app.candidates import service
from app.candidates.stages import Stage
from app.crypto import SecretBox
from app.emails.service import emails_of_candidate
from app.invitations.blind import ai_withheld, blind_card, blind_result
from app.invitations.cards import Card, cards_for_candidate
from app.invitations.renewal import attempts_of
from app.invitations.result_view import results_for_candidate
from app.reviews.service import panels
from app.web.cursors import live_cursor
from app.webhooks.service import unapplied_moves


@get("/candidates/{candidate_id:uuid}", name="candidate_detail")
async def candidate_detail(
    user: NamedDependency[CurrentUser],
    box: NamedDependency[SecretBox],
    candidate_id: FromPath[uuid.UUID],
) -> Template:
    org = user.organisation_id
    # One connection for the page's reads instead of a pool checkout (and reset) for each.
    async with db.transaction():
        candidate = await service.get_candidate(org, candidate_id)
        # Taken before the cards are read: each job's live stream replays anything newer.
        cursor = await live_cursor()
        invitations = await cards_for_candidate(org, candidate_id)
        # Scores chart, summary, transcript, media and timeline of every invitation (2 queries).
        results = await results_for_candidate(org, candidate_id)
        applications = await service.candidate_applications(org, candidate_id)
        attempts = await attempts_of(org, [inv.id for inv in invitations])  # re-invites
        emails = await emails_of_candidate(org, candidate_id)
        # Moves Ribbon reported that could not be applied: the stage shown may be stale.
        moves = await unapplied_moves(
            org,
            box.candidate_key(org, candidate["email"]),
            list({inv.assessment_id for inv in invitations}),
        )
        # Blind-first review: AI output withheld until this reviewer has rated (app/reviews).
        withheld = await ai_withheld(org, user.id, [inv.id for inv in invitations])
        invitations = [blind_card(c) if c.id in withheld else c for c in invitations]
        results = {k: blind_result(v) if k in withheld else v for k, v in results.items()}
        review_panels = await panels(org, user.id, list(results))
    return Template(
        "candidates/detail.html",
        context={
            "candidate": candidate,
            "applications": applications,
            "invitation_groups": _by_job(applications, invitations),
            "results": results,
            "attempts": attempts,
            "emails": emails,
            "unapplied_moves": {inv.id: moves.get(inv.assessment_id, []) for inv in invitations},
            "can_replay": user.is_admin,
            "stages": Stage,
            "live_cursor": cursor,
            "live_jobs": MAX_LIVE_JOBS,
            "ai_withheld_ids": withheld,
            "review_panels": review_panels,
        },
    )


# Each job shown live holds one stream (an HTTP connection) open; browsers allow about six per
# host, so a candidate in many jobs gets live updates for the newest few, the rest poll.
MAX_LIVE_JOBS = 3


def _by_job(applications: list[dict[str, Any]], invitations: list[Card]) -> list[Any]:
    """The candidate's invitations grouped by job (one live stream per job), newest job first."""
    groups = [
        {"job_id": a["job_id"], "job_title": a["job_title"], "invitations": []}
        for a in applications
    ]
    by_id = {g["job_id"]: g for g in groups}
    for inv in invitations:
        if inv.job_id in by_id:
            by_id[inv.job_id]["invitations"].append(inv)
    return [g for g in groups if g["invitations"]]


ROUTES = [candidate_detail]

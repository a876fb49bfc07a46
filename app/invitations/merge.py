"""Pure rules for turning what providers report into an invitation's state: facts only grow, so
any order and any number of repeats of the same reports converge to the same result.

- `merge_result(stored, fetched)`: completed stays completed; a known score, summary, audio or
  video URL is never replaced by null or absence (a newer non-null value does replace it, as the
  provider's latest fetch is the truth); transcript and question mapping are replaced only by a
  longer one; problems are unioned. With a provider whose values, once reported, do not change,
  this is a join: commutative, associative and idempotent.
- `derive_status(...)`: the invitation status from the merged facts; statuses only move forward
  (invited -> pending -> partial -> complete), and a `cancelled` invitation keeps its status
  (a recruiter's decision) while its results are still stored. `expired` and `failed` give way
  to results: if the provider has a completed interview, the candidate did take it.
- `current_stage(moves)`: the provider's pipeline stage from its previous/new pairs, the end of
  the chain, so a late, older move never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from app.invitations.statuses import InvitationStatus
from app.providers.base import InterviewResult, InterviewStatus, TranscriptSegment

# The forward path, sending to complete: an event never moves an invitation back along it.
PROGRESS = InvitationStatus.values()[: InvitationStatus.COMPLETE.order + 1]
KEEPS_STATUS = frozenset({InvitationStatus.CANCELLED})
T = TypeVar("T")


def _newer_known(stored: T | None, fetched: T | None) -> T | None:
    """A fetched value replaces the stored one, but absence never erases a known value."""
    return fetched if fetched is not None else stored


def _segments_weight(segments: Sequence[TranscriptSegment]) -> tuple[int, int]:
    return len(segments), sum(len(s.text) for s in segments)


def merge_status(a: InterviewStatus, b: InterviewStatus) -> InterviewStatus:
    if InterviewStatus.COMPLETED in (a, b):
        return InterviewStatus.COMPLETED
    if InterviewStatus.INCOMPLETE in (a, b):
        return InterviewStatus.INCOMPLETE
    return InterviewStatus.UNKNOWN


def merge_result(stored: InterviewResult | None, fetched: InterviewResult) -> InterviewResult:
    """The stored result with the fetched one folded in; facts only grow."""
    if stored is None:
        return replace(fetched, problems=tuple(sorted(set(fetched.problems))))
    transcript = (
        fetched.transcript
        if _segments_weight(fetched.transcript) > _segments_weight(stored.transcript)
        else stored.transcript
    )
    questions = (
        fetched.questions if len(fetched.questions) > len(stored.questions) else stored.questions
    )
    fetched_richer = fetched.status == InterviewStatus.COMPLETED or (
        stored.status != InterviewStatus.COMPLETED
    )
    return InterviewResult(
        provider=fetched.provider,
        interview_id=fetched.interview_id or stored.interview_id,
        flow_id=_newer_known(stored.flow_id, fetched.flow_id),
        status=merge_status(stored.status, fetched.status),
        candidate=replace(
            stored.candidate,
            email=_newer_known(stored.candidate.email, fetched.candidate.email),
            first_name=_newer_known(stored.candidate.first_name, fetched.candidate.first_name),
            last_name=_newer_known(stored.candidate.last_name, fetched.candidate.last_name),
        ),
        scores={**stored.scores, **fetched.scores},
        summary=_newer_known(stored.summary, fetched.summary or None),
        transcript=transcript,
        questions=questions,
        audio_url=_newer_known(stored.audio_url, fetched.audio_url or None),
        video_url=_newer_known(stored.video_url, fetched.video_url or None),
        problems=tuple(sorted(set(stored.problems) | set(fetched.problems))),
        raw=fetched.raw if fetched_richer else stored.raw,
    )


def derive_status(
    current: str, result: InterviewResult | None, missing: Sequence[str], signalled: bool
) -> tuple[str, list[str]]:
    """The invitation status and what is missing, from the merged facts.

    `signalled`: a webhook said the interview is done (its results may not be fetchable yet),
    which makes an invitation at least `pending`."""
    if current in KEEPS_STATUS:
        return current, list(missing) if result is not None else []
    if result is not None and result.status == InterviewStatus.COMPLETED:
        derived = "partial" if missing else "complete"
    elif signalled and current in PROGRESS:
        derived = "pending"
    else:
        derived = current  # expired/failed give way to a completed result only
    if (
        derived in PROGRESS
        and current in PROGRESS
        and PROGRESS.index(current) > PROGRESS.index(derived)
    ):
        derived = current  # statuses only move forward
    return derived, (list(missing) if derived == "partial" else [])


def current_stage(moves: Iterable[tuple[str, str]]) -> str:
    """The end of the chain of (previous, new) moves; '' when there are none.

    Ribbon's moves carry no timestamps, so a move is placed by its pair alone: the current stage
    is one that some move led to and no move left. A fork or a cycle cannot be ordered from
    pairs; then the end of the longest chain wins, ties by name, so every order still agrees."""
    pairs = sorted({(p, n) for p, n in moves if n})
    if not pairs:
        return ""
    left = {p for p, _ in pairs}
    ends = sorted({n for _, n in pairs if n not in left})
    if len(ends) == 1:
        return ends[0]
    candidates = ends or sorted({n for _, n in pairs})
    return max(candidates, key=lambda stage: (_longest_chain_to(stage, pairs), stage))


def _longest_chain_to(stage: str, pairs: Sequence[tuple[str, str]]) -> int:
    """Length of the longest simple path of moves ending at `stage` (small graphs only)."""
    incoming: dict[str, list[str]] = {}
    for p, n in pairs:
        incoming.setdefault(n, []).append(p)

    def walk(node: str, seen: frozenset[str]) -> int:
        best = 0
        for prev in incoming.get(node, []):
            if prev not in seen:
                best = max(best, 1 + walk(prev, seen | {prev}))
        return best

    return walk(stage, frozenset({stage}))

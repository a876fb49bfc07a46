"""The provider-neutral model and the protocol every assessment provider implements.

Nothing outside `app/providers/<name>/` knows a provider's field names: the rest of Hirewire
works with these types only. Values a provider did not report are absent (None, or missing
from a mapping), never zero; what could not be used is listed in `problems`, and the provider's
raw payload is always carried along."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class InterviewStatus(enum.StrEnum):
    INCOMPLETE = "incomplete"
    COMPLETED = "completed"
    UNKNOWN = "unknown"


class EventKind(enum.StrEnum):
    INTERVIEW_PROCESSED = "interview_processed"
    VIDEO_PROCESSED = "video_processed"
    CANDIDATE_STATUS_MOVED = "candidate_status_moved"
    UNKNOWN = "unknown"


class SegmentRole(enum.StrEnum):
    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Score:
    key: str
    value: float
    scale: float | None  # None: the provider does not say what the value is out of
    label: str = ""


@dataclass(frozen=True)
class TranscriptSegment:
    role: SegmentRole
    text: str
    start: float | None = None  # seconds from the start of the interview
    end: float | None = None


@dataclass(frozen=True)
class QuestionSegment:
    """One scripted question and the transcript segments that answer it."""

    question: str
    segment_indices: tuple[int, ...] = ()
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Candidate:
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class InterviewResult:
    """Everything a provider told us about one interview, in our own terms."""

    provider: str
    interview_id: str
    flow_id: str | None
    status: InterviewStatus
    candidate: Candidate = field(default_factory=Candidate)
    scores: Mapping[str, Score] = field(default_factory=dict)  # only the scores reported
    summary: str | None = None
    transcript: tuple[TranscriptSegment, ...] = ()
    questions: tuple[QuestionSegment, ...] = ()
    audio_url: str | None = None
    video_url: str | None = None
    problems: tuple[str, ...] = ()  # fields present but unusable, in words a person can read
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlowSpec:
    """What Hirewire asks a provider to create for an assessment."""

    org_name: str
    title: str
    questions: tuple[str, ...]
    interview_type: str = "recruitment"
    language: str = "en-US"
    video_enabled: bool = False
    intro: str = ""
    outro: str = ""
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass(frozen=True)
class CreatedInterview:
    interview_id: str
    link: str


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook, translated. It is a hint: results are fetched, never taken from it."""

    kind: EventKind
    event_type: str  # the provider's own name for the event, kept for the delivery log
    idempotency_key: str  # equal for deliveries that mean the same thing
    interview_id: str | None = None
    flow_id: str | None = None
    candidate_email: str | None = None
    previous_status: str | None = None
    new_status: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """A provider call failed; `str(error)` is a message a recruiter can act on."""

    retryable = False

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ProviderAuthError(ProviderError):
    """The API key is missing, wrong or lacks permission."""


class ProviderRejected(ProviderError):
    """The provider refused the request as invalid (its own message is kept)."""


class ProviderNotFound(ProviderError):
    """The provider does not know the thing asked for."""


class ProviderUnavailable(ProviderError):
    """Down, overloaded, timing out or unreachable: worth retrying later."""

    retryable = True


class ProviderRateLimited(ProviderUnavailable):
    """429: retry after `retry_after` seconds when the provider said so."""


class ProviderBadResponse(ProviderUnavailable):
    """An answer we could not use (not JSON, wrong shape)."""


class UnusablePayload(ValueError):
    """An authentic webhook body that cannot be used (not JSON, not an object, ...)."""


class Provider(Protocol):
    """An assessment provider's API, with the organisation's credentials bound in."""

    name: str

    async def ping(self) -> None: ...

    async def create_flow(self, spec: FlowSpec) -> str:
        """Create an interview flow; returns the provider's flow id."""
        ...

    async def create_interview(
        self, flow_id: str, email: str | None, first_name: str | None, last_name: str | None
    ) -> CreatedInterview: ...

    async def get_interview(self, interview_id: str) -> InterviewResult: ...

    def list_interviews(
        self, status: InterviewStatus | None = None
    ) -> AsyncIterator[InterviewResult]:
        """Every interview, paging until the provider has no more."""
        ...

    async def aclose(self) -> None: ...


class WebhookAdapter(Protocol):
    """Stateless webhook handling and result rules of a provider (no credentials needed)."""

    name: str
    signature_header: str

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> bool:
        """Constant-time check of the signature over the raw body."""
        ...

    def parse(self, body: bytes) -> WebhookEvent:
        """Translate a verified body; raises UnusablePayload when it cannot be used."""
        ...

    def missing(self, result: InterviewResult, video_enabled: bool) -> list[str]:
        """What this provider should still deliver for the result to be complete
        (e.g. "video", "summary", "score: skills"); empty when nothing is missing."""
        ...

    def not_reported(self, result: InterviewResult) -> list[str]:
        """Scores this provider may leave out without anything being missing."""
        ...

    def is_media(self, item: str) -> bool:
        """Whether a missing item (one of `missing`'s) is media, awaited for the video's wait
        rather than the results' wait."""
        ...

    def unavailable_label(self, item: str) -> str:
        """How a missing item that is no longer awaited reads ("no video recorded")."""
        ...

    def settled_by(self, event_type: str) -> tuple[str, ...]:
        """Missing items that, once this event (the provider's own name) has been processed
        and the result fetched again, will not come at all: the provider said so."""
        ...

    def overall_score(self, scores: Mapping[str, Score]) -> float | None:
        """One number to rank candidates by, on a 0-5 scale, or None."""
        ...

"""Which function handles which kind of job. Features register their handlers at import with
`@job_kind`; the composition root (app/background.py) imports them. The queue names no
feature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.queue.service import Job

Handler = Callable[[Job, Any], Awaitable[None]]
FailureHook = Callable[[Job, str, bool], Awaitable[None]]
# Runs several claimed jobs of one kind together; returns the ones that failed, with why. The
# worker completes the others (in one statement) unless the handler finished them itself.
BatchHandler = Callable[[list[Job], Any], Awaitable[dict[Job, Exception]]]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    # Called inside the transaction that reschedules (dead=False) or kills (dead=True) the job,
    # so a feature's own status (a delivery, an invitation) moves together with the job's.
    on_failure: FailureHook | None = None
    # Used when a claim brings more than one job of this kind; `run` handles single jobs.
    run_batch: BatchHandler | None = None


HANDLERS: dict[str, JobKind] = {}


def job_kind(
    name: str, on_failure: FailureHook | None = None, batch: BatchHandler | None = None
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = JobKind(name=name, run=fn, on_failure=on_failure, run_batch=batch)
        return fn

    return register

"""Periodic jobs (reconciliation, expiry, retention) scheduled through the queue itself: a
dedupe key keeps at most one of each queued or running, whichever process schedules it.
A feature declares its own with `@periodic(kind, every=...)` next to the job's `@job_kind`."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from app.queue import service
from app.settings import Settings


@dataclass(frozen=True)
class Periodic:
    kind: str
    every_seconds: int


# How often a periodic job runs, in seconds, read from the settings when a scheduler starts.
Every = Callable[[Settings], int]
F = TypeVar("F")

PERIODIC: dict[str, Every] = {}


def periodic(kind: str, every: Every) -> Callable[[F], F]:
    """Schedule job `kind` every `every(settings)` seconds; decorates the kind's handler."""

    def register(fn: F) -> F:
        PERIODIC[kind] = every
        return fn

    return register


def periodic_jobs(settings: Settings) -> list[Periodic]:
    return [Periodic(kind, every(settings)) for kind, every in PERIODIC.items()]


class PeriodicScheduler:
    def __init__(self, settings: Settings, check_every: float = 5.0) -> None:
        self.jobs = periodic_jobs(settings)
        self.check_every = check_every
        self._next_check = 0.0

    async def tick(self) -> None:
        if not self.jobs or time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + self.check_every
        for job in self.jobs:
            await service.enqueue(
                job.kind,
                {},
                dedupe_key=f"periodic:{job.kind}",
                run_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=job.every_seconds),
                max_attempts=3,
            )

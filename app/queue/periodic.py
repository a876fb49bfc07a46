"""Periodic jobs (reconciliation, expiry, retention) scheduled through the queue itself: a
dedupe key keeps at most one of each queued or running, whichever process schedules it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from app.queue import service
from app.settings import Settings


@dataclass(frozen=True)
class Periodic:
    kind: str
    every_seconds: int


def periodic_jobs(settings: Settings) -> list[Periodic]:
    return [Periodic(kind, every) for kind, every in PERIODIC_KINDS(settings)]


def PERIODIC_KINDS(settings: Settings) -> list[tuple[str, int]]:
    """Each feature with a periodic job adds it here."""
    return [
        ("expire_invitations", 300),
        ("reconcile", settings.reconcile_every_seconds),
        ("retention", 3600),  # app/privacy/retention.py
    ]


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

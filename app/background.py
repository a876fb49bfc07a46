"""The background work this app runs, named in one place. Importing a module below registers
its job kinds (`@job_kind`, app/queue/registry.py) and periodic jobs (`@periodic`,
app/queue/periodic.py); the queue itself names no feature. The composition roots import this
module: the web app (app/asgi.py, for its in-process worker), `hirewire worker` (app/cli.py)
and the tests. A feature with a new job module adds it here."""

from __future__ import annotations

from types import ModuleType

from app import demo
from app.accounts import resets
from app.emails import sender
from app.invitations import jobs as invitation_jobs
from app.invitations import reminders as invitation_reminders
from app.invitations import waits as invitation_waits
from app.privacy import retention
from app.webhooks import processing, reconcile

JOB_MODULES: tuple[ModuleType, ...] = (
    invitation_jobs,
    invitation_waits,
    invitation_reminders,
    sender,
    demo,
    processing,
    reconcile,
    retention,
    resets,
)

"""The process's one LISTEN: updates reach only their job's streams, and a LISTEN connection
killed by the database is re-established with a resync so streams can catch up."""

from __future__ import annotations

import asyncio

from app import db
from app.asgi import create_app
from app.dashboard.live import RESYNC, LivePlugin, ResilientPgBackend
from tests.conftest import running
from tests.dashboard_factories import make_assessment, make_invitation, worker_update


def _plugin(app) -> LivePlugin:
    return next(p for p in app.plugins if isinstance(p, LivePlugin))


async def test_updates_fan_out_per_job_and_survive_a_lost_listen_connection(settings, make_account):
    account = await make_account()
    here = await make_assessment(account.organisation_id)
    elsewhere = await make_assessment(account.organisation_id)
    inv = await make_invitation(here)
    other = await make_invitation(elsewhere)

    app = create_app(settings, run_worker=False)
    hub = _plugin(app).hub
    backend = hub.channels._backend
    assert isinstance(backend, ResilientPgBackend)
    backend.ping_seconds = 0.5
    async with running(app):
        with hub.listen(here.job_id) as queue:
            await worker_update(other, "pending")  # another job: not for this stream
            await worker_update(inv, "pending")
            update = await asyncio.wait_for(queue.get(), 5)
            assert update is not None
            assert (update.job, update.invitation) == (here.job_id, inv.id)
            assert queue.empty()

            # The database drops the LISTEN connection (a restart, a failover, an admin).
            pid = backend._listener_conn.get_server_pid()
            await db.fetch("SELECT pg_terminate_backend($1)", pid)
            update = await asyncio.wait_for(queue.get(), 10)
            assert update is not None
            assert update.event == RESYNC
            assert backend.reconnects == 1
            assert backend._listener_conn.get_server_pid() != pid

            await worker_update(inv, "complete", overall=4.2)
            update = await asyncio.wait_for(queue.get(), 5)
            assert update is not None
            assert update.invitation == inv.id
        assert hub.open_streams == 0

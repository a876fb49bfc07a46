"""Live updates: one LISTEN on "hirewire_updates" per process, fanned out to each job's streams.

Publishers never use Channels: they call `timeline.announce()`, a pg_notify inside their own
transaction, so a rolled-back change is never announced. Litestar Channels with its asyncpg
backend only *listens* here. Two things are added around it:

- One permanent subscriber (`LiveHub`) holds the channel from startup to shutdown. Browsers
  never subscribe to Channels themselves, so the channel never empties and the backend never
  UNLISTENs: litestar issue 4894 (a message dropped when the last subscriber leaves while a new
  one joins, as on a page reload) and 4871 (subscribe not cancellation-safe) cannot happen.
  The hub parses each notification once and hands it to the streams of that job only.
- The backend's LISTEN connection does not reconnect by itself. `ResilientPgBackend` watches
  it (asyncpg's termination listener, plus a periodic ping for connections that die
  silently), reconnects with backoff, LISTENs again, and injects a "resync" message: every
  open stream then catches up from the database, because notifications sent while nobody
  listened are gone for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import asyncpg
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPlugin

from app import db
from app.invitations.timeline import UPDATES_CHANNEL
from app.logs import get_logger

log = get_logger(__name__)

RESYNC = "resync"  # synthetic event: updates may have been missed, catch up from the database
STREAM_QUEUE_SIZE = 500  # per open stream; a slower consumer gets a resync instead


@dataclass(frozen=True)
class Update:
    """One announcement, as a stream sees it. `invitation` is None for a resync."""

    event: str
    org: uuid.UUID | None = None
    job: uuid.UUID | None = None
    invitation: uuid.UUID | None = None


def parse_update(raw: bytes | str) -> Update | None:
    """Ids only, as `timeline.announce` sends them; anything else is ignored, not fatal."""
    try:
        data = json.loads(raw)
        if data.get("event") == RESYNC:
            return Update(RESYNC)
        return Update(
            event=str(data.get("event") or "card"),
            org=uuid.UUID(data["org"]),
            job=uuid.UUID(data["job"]),
            invitation=uuid.UUID(data["invitation"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("live_update_unreadable", payload=str(raw)[:200])
        return None


class ResilientPgBackend(AsyncPgChannelsBackend):
    """The asyncpg backend, plus: notice a lost LISTEN connection and re-establish it."""

    def __init__(self, ping_seconds: float = 10.0) -> None:
        # The DSN is looked up at connect time: `db.configure()` runs in create_app, and a
        # reconnect after a database restart must use whatever the app uses now.
        super().__init__(make_connection=self._open)
        self.ping_seconds = ping_seconds
        self.reconnects = 0
        self._lost = asyncio.Event()
        self._watch: asyncio.Task[None] | None = None

    async def _open(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(db.current_dsn(), timeout=10)
        conn.add_termination_listener(lambda _conn: self._lost.set())
        return conn

    async def on_startup(self) -> None:
        self._lost = asyncio.Event()
        await super().on_startup()
        self._watch = asyncio.create_task(self._supervise(), name="live-listen-supervisor")

    async def on_shutdown(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        with contextlib.suppress(Exception):
            await super().on_shutdown()

    async def _supervise(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), timeout=self.ping_seconds)
            if self._lost.is_set() or not await self._alive():
                await self._reconnect()

    async def _alive(self) -> bool:
        try:
            async with self._listener_lock:
                await asyncio.wait_for(self._listener_conn.fetchval("SELECT 1"), timeout=5)
            return True
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False

    async def _reconnect(self) -> None:
        log.warning("live_listener_lost", channels=sorted(self._subscribed_channels))
        delay = 0.2
        async with self._listener_lock:
            self._listener_conn.terminate()
            while True:
                self._lost = asyncio.Event()
                try:
                    conn = await self._connect()
                    for channel in self._subscribed_channels:
                        await conn.add_listener(channel, self._listener)  # type: ignore[arg-type]
                    break
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
            self._listener_conn = conn
        self.reconnects += 1
        log.warning("live_listener_restored", reconnects=self.reconnects)
        if self._queue is not None:
            for channel in self._subscribed_channels:
                self._queue.put_nowait((channel, json.dumps({"event": RESYNC}).encode()))


class LiveHub:
    """The permanent subscriber: drains the channel and routes each update to its job."""

    def __init__(self, channels: ChannelsPlugin) -> None:
        self.channels = channels
        self._streams: dict[uuid.UUID, set[asyncio.Queue[Update | None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.closing = False

    async def __aenter__(self) -> LiveHub:
        subscriber = await self.channels.subscribe(UPDATES_CHANNEL)
        self._task = asyncio.create_task(self._drain(subscriber), name="live-hub")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.end_streams()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _drain(self, subscriber: Any) -> None:
        async for raw in subscriber.iter_events():
            update = parse_update(raw)
            if update is not None:
                self.dispatch(update)

    def end_streams(self) -> None:
        """Finish every open stream (the server is stopping); browsers reconnect elsewhere."""
        self.closing = True
        for queue in self._all_queues():
            self._offer(queue, None)

    def dispatch(self, update: Update) -> None:
        targets = (
            self._all_queues() if update.job is None else list(self._streams.get(update.job, ()))
        )
        for queue in targets:
            self._offer(queue, update)

    def _all_queues(self) -> list[asyncio.Queue[Update | None]]:
        return [q for queues in self._streams.values() for q in queues]

    @staticmethod
    def _offer(queue: asyncio.Queue[Update | None], update: Update | None) -> None:
        try:
            queue.put_nowait(update)
        except asyncio.QueueFull:
            # Too far behind to replay one by one: drop the backlog, ask for a catch-up.
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(Update(RESYNC) if update is not None else None)

    @contextlib.contextmanager
    def listen(self, job_id: uuid.UUID) -> Iterator[asyncio.Queue[Update | None]]:
        """A queue of the job's updates while the block runs; None means the server stops."""
        queue: asyncio.Queue[Update | None] = asyncio.Queue(maxsize=STREAM_QUEUE_SIZE)
        if self.closing:
            queue.put_nowait(None)
        self._streams.setdefault(job_id, set()).add(queue)
        try:
            yield queue
        finally:
            streams = self._streams.get(job_id)
            if streams is not None:
                streams.discard(queue)
                if not streams:
                    del self._streams[job_id]

    @property
    def open_streams(self) -> int:
        return sum(len(q) for q in self._streams.values())


class LivePlugin(InitPlugin):
    """Registers the hub's lifespan (after Channels', so it starts once Channels listens) and
    a `live` dependency for the stream route."""

    def __init__(self, channels: ChannelsPlugin) -> None:
        self.hub = LiveHub(channels)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan.append(self._lifespan)
        app_config.dependencies["live"] = Provide(
            lambda: self.hub, use_cache=True, sync_to_thread=False
        )
        return app_config

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Any) -> AsyncIterator[None]:
        async with self.hub:
            restore = end_streams_on_stop_signal(self.hub)
            try:
                yield
            finally:
                restore()


def end_streams_on_stop_signal(hub: LiveHub) -> Callable[[], None]:
    """uvicorn waits for open responses to finish before it runs the lifespan shutdown, and a
    live stream never finishes by itself: every deploy would hang for the whole graceful
    timeout. So chain onto the server's SIGTERM/SIGINT handler (installed before the lifespan
    starts) to end the streams at once; returns the function that puts the handlers back."""
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(sig)
        if not callable(handler):
            continue

        def chained(signum: int, frame: Any, handler: Any = handler) -> None:
            loop.call_soon_threadsafe(hub.end_streams)
            handler(signum, frame)

        try:
            signal.signal(sig, chained)
        except ValueError:  # not the main thread (an embedding server): nothing to chain
            continue
        previous[sig] = handler

    def restore() -> None:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError):
                if signal.getsignal(sig) is not handler:
                    signal.signal(sig, handler)

    return restore


def live_plugins() -> list[InitPlugin]:
    """Channels (listen only, on the one fixed channel) and the hub, in start order."""
    channels = ChannelsPlugin(backend=ResilientPgBackend(), channels=[UPDATES_CHANNEL])
    return [channels, LivePlugin(channels)]

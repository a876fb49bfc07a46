"""Benchmark plumbing: a private embedded PostgreSQL, app processes started the way users start
them (`hirewire serve`, `hirewire worker`, `hirewire sandbox`), CPU and memory readings."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from app import db, embedded_db
from app.settings import PROJECT_ROOT

SECRET_KEY = "bench-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    url: str | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_mb(self) -> float:
        return psutil.Process(self.pid).memory_info().rss / 1024 / 1024

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self, sig_kill: bool = False) -> None:
        if self.popen.poll() is None:
            (self.popen.kill if sig_kill else self.popen.terminate)()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class BenchEnv:
    dsn: str
    pgdata: Path
    processes: list[Process] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.dsn,
            "SECRET_KEY": SECRET_KEY,
            "LOG_LEVEL": "WARNING",
            "LOG_JSON": "1",
            **extra,
        }

    def start(self, name: str, args: list[str], url: str | None = None, **env: str) -> Process:
        log_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
        popen = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            env=self.env(**env),
            cwd=PROJECT_ROOT,
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        process = Process(name, popen, log_path, url)
        self.processes.append(process)
        if url:
            wait_http(f"{url}/healthz", process)
        return process

    def start_python(
        self, name: str, module: str, args: list[str], url: str | None = None, **env: str
    ) -> Process:
        log_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
        popen = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=self.env(**env),
            cwd=PROJECT_ROOT,
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        process = Process(name, popen, log_path, url)
        self.processes.append(process)
        if url:
            wait_http(f"{url}/healthz", process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def wait_http(url: str, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.log_path.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer {url}")


def create_env() -> BenchEnv:
    root = Path(tempfile.mkdtemp(prefix="hwbench-"))
    pgdata = root / "pg"
    server_dsn = embedded_db.start(pgdata)
    dsn = asyncio.run(embedded_db.ensure_database(server_dsn, "bench"))
    db.configure(dsn)
    asyncio.run(db.migrate(quiet=True, sandbox=True))
    return BenchEnv(dsn=dsn, pgdata=pgdata)


async def with_pool(coro: Any) -> Any:
    await db.start_pool(max_size=4)
    try:
        return await coro
    finally:
        await db.close_pool()


class CpuMeter:
    """CPU used by child processes (e.g. wrk) as a share of the whole machine."""

    def __enter__(self) -> CpuMeter:
        self.start_children = os.times()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        end = os.times()
        self.elapsed = time.monotonic() - self.started
        self.cpu = (end.children_user - self.start_children.children_user) + (
            end.children_system - self.start_children.children_system
        )

    @property
    def machine_share(self) -> float:
        return self.cpu / (self.elapsed * (os.cpu_count() or 1)) if self.elapsed else 0.0

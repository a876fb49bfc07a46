"""The embedded PostgreSQL stops with the process that started it, even when Ctrl+C arrives
several times (the terminal's process group, then `uv run` and `just` forwarding it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from app import embedded_db
    embedded_db.start(Path(sys.argv[1]))
    print("up", flush=True)
    time.sleep(120)
    """
)


def _postmaster(pgdata: Path) -> psutil.Process | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    try:
        process = psutil.Process(int(pid_file.read_text().split()[0]))
    except (psutil.NoSuchProcess, ValueError, IndexError):
        return None
    return process if process.is_running() else None


def test_repeated_ctrl_c_still_stops_the_cluster():
    pgdata = Path(tempfile.mkdtemp(prefix="hwembedded-")) / "pg"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pgdata)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "up"
        postmaster = _postmaster(pgdata)
        assert postmaster is not None
        # Ctrl+C goes to the whole group (pg_ctl, run while stopping, included), then comes
        # again, forwarded, while the process shuts down.
        deadline = time.monotonic() + 3
        while holder.poll() is None and time.monotonic() < deadline:
            os.killpg(holder.pid, signal.SIGINT)
            time.sleep(0.005)
        holder.wait(timeout=30)
        postmaster.wait(timeout=10)  # raises TimeoutExpired if the cluster was left running
        assert _postmaster(pgdata) is None
    finally:
        if holder.poll() is None:
            holder.kill()
        leftover = _postmaster(pgdata)
        if leftover is not None:
            leftover.kill()

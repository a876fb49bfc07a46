"""The embedded PostgreSQL stops with the process that started it, even when Ctrl+C arrives
several times (the terminal's process group, then `uv run` and `just` forwarding it)."""

from __future__ import annotations

import json
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


def test_a_killed_run_does_not_keep_the_next_runs_cluster_alive():
    """`just dev` SIGKILLed leaves its pid in the cluster's handle list; the next run must
    still stop the cluster when it exits."""
    pgdata = Path(tempfile.mkdtemp(prefix="hwembedded-")) / "pg"
    killed = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pgdata)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert killed.stdout is not None
        assert killed.stdout.readline().strip() == "up"
        killed.kill()  # SIGKILL: no exit handlers, its pid stays listed
        killed.wait(timeout=10)
        postmaster = _postmaster(pgdata)
        assert postmaster is not None  # the cluster outlived it, as it would
        assert killed.pid in json.loads((pgdata / ".handle_pids.json").read_text())

        quick = "import sys; from pathlib import Path; from app import embedded_db; "
        quick += "embedded_db.start(Path(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", quick, str(pgdata)], check=True, timeout=60)
        postmaster.wait(timeout=15)  # raises TimeoutExpired if the stale pid kept it running
        assert _postmaster(pgdata) is None
    finally:
        if killed.poll() is None:
            killed.kill()
        leftover = _postmaster(pgdata)
        if leftover is not None:
            leftover.kill()

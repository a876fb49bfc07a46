"""The embedded PostgreSQL stops with the process that started it, even when Ctrl+C arrives
several times (the terminal's process group, then `uv run` and `just` forwarding it), when
`just dev` is stopped with SIGTERM, and when an earlier run that died left it running; it
stays while another process still uses it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
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


def _start_dev(data_dir: Path) -> tuple[subprocess.Popen[str], int]:
    """`hirewire dev` on the embedded PostgreSQL in `data_dir`, its own process group (as the
    terminal's foreground job), once it answers /healthz."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"HIREWIRE_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "SECRET_KEY": "k" * 64}
    dev = subprocess.Popen(
        [sys.executable, "-m", "app", "dev", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert dev.poll() is None, dev.communicate()[0]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return dev, port
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    dev.kill()
    raise AssertionError(f"dev did not start:\n{dev.communicate()[0]}")


def _stop_and_check(dev: subprocess.Popen[str], pgdata: Path, how: signal.Signals) -> str:
    postmaster = _postmaster(pgdata)
    assert postmaster is not None
    os.killpg(dev.pid, how)
    output = dev.communicate(timeout=60)[0]
    postmaster.wait(timeout=15)  # raises TimeoutExpired if the cluster was left running
    assert _postmaster(pgdata) is None
    assert "stopped the embedded PostgreSQL" in output, output
    return output


def test_sigterm_stops_the_cluster_dev_started():
    data_dir = Path(tempfile.mkdtemp(prefix="hwembedded-"))
    dev, _ = _start_dev(data_dir)
    try:
        _stop_and_check(dev, data_dir / "postgres", signal.SIGTERM)
    finally:
        _cleanup(dev, data_dir / "postgres")


def test_ctrl_c_stops_a_cluster_an_earlier_run_started_and_left():
    data_dir = Path(tempfile.mkdtemp(prefix="hwembedded-"))
    pgdata = data_dir / "postgres"
    earlier = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pgdata)], stdout=subprocess.PIPE, text=True
    )
    dev = None
    try:
        assert earlier.stdout is not None
        assert earlier.stdout.readline().strip() == "up"
        earlier.kill()  # died without cleaning up: the cluster is still running
        earlier.wait(timeout=10)
        first = _postmaster(pgdata)
        assert first is not None
        dev, _ = _start_dev(data_dir)
        reused = _postmaster(pgdata)
        assert reused is not None
        assert reused.pid == first.pid  # this run found the cluster running
        _stop_and_check(dev, pgdata, signal.SIGINT)
    finally:
        _cleanup(dev, pgdata)
        if earlier.poll() is None:
            earlier.kill()


def test_the_cluster_stays_while_another_run_uses_it():
    data_dir = Path(tempfile.mkdtemp(prefix="hwembedded-"))
    pgdata = data_dir / "postgres"
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pgdata)], stdout=subprocess.PIPE, text=True
    )
    dev = None
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "up"
        dev, _ = _start_dev(data_dir)
        os.killpg(dev.pid, signal.SIGTERM)
        output = dev.communicate(timeout=60)[0]
        assert "left the embedded PostgreSQL running" in output, output
        assert _postmaster(pgdata) is not None
    finally:
        _cleanup(dev, pgdata)
        other.kill()


def _cleanup(dev: subprocess.Popen[str] | None, pgdata: Path) -> None:
    if dev is not None and dev.poll() is None:
        os.killpg(dev.pid, signal.SIGKILL)
        dev.wait()
    leftover = _postmaster(pgdata)
    if leftover is not None:
        leftover.kill()

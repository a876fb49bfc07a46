"""`hirewire serve` and `hirewire dev` with the sandbox on a public address stop before they
start anything: one clear line and a non-zero exit. DATABASE_URL points nowhere, so a refusal
that came after touching the database would show up as a database error instead."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET_KEY


def hirewire(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "PUBLIC_"))}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env={
            **base,
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nowhere",
            "SECRET_KEY": TEST_SECRET_KEY,
            "HIREWIRE_DATA_DIR": tempfile.mkdtemp(prefix="hw-exposure-"),
            **env,
        },
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (["serve"], {"PUBLIC_BASE_URL": "https://hire.example.com"}, "PUBLIC_BASE_URL"),
        (["serve", "--host", "0.0.0.0"], {}, "'0.0.0.0', which is not a loopback address"),
        (["dev", "--host", "0.0.0.0", "--port", "8999"], {}, "not a loopback address"),
    ],
)
def test_a_public_sandbox_refuses_to_start(args, env, reason):
    done = hirewire(args, **{"SANDBOX_ENABLED": "1", **env})
    assert done.returncode != 0
    assert "error: refusing to start: SANDBOX_ENABLED is set" in done.stderr
    assert reason in done.stderr
    assert "SANDBOX_ALLOW_PUBLIC=1" in done.stderr
    assert "Traceback" not in done.stderr
    assert "database" not in done.stderr.lower()  # stopped before touching it


def test_sandbox_allow_public_gets_past_the_check():
    done = hirewire(["serve", "--host", "0.0.0.0"], SANDBOX_ENABLED="1", SANDBOX_ALLOW_PUBLIC="1")
    assert done.returncode != 0  # the database is nowhere, so it stops there instead
    assert "refusing to start" not in done.stderr
    assert "database problem" in done.stderr

"""The layering contracts of .importlinter (also run by `just lint`) hold: the queue, providers,
mail and web name no feature, no feature imports the dashboard, no route module imports
another, db.py imports nothing above it, no cycles between packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.settings import PROJECT_ROOT


def test_the_layering_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(PROJECT_ROOT / ".importlinter")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]

"""The layering contracts of .importlinter (also run by `just lint`) hold: the queue, providers,
mail and web name no feature, no feature imports the dashboard, no route module imports
another, db.py imports nothing above it, no cycles between packages."""

from __future__ import annotations

import configparser
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


def test_the_route_module_contract_names_every_route_module() -> None:
    """A new routes.py, api.py or *_routes.py is held to "no route module imports another"
    (the sandbox under app/providers builds its own router from its modules, and is left out)."""
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / ".importlinter")
    contract = config["importlinter:contract:route-modules-import-no-route-module"]
    listed = set(contract["source_modules"].split())
    on_disk = {
        ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for path in (PROJECT_ROOT / "app").rglob("*.py")
        if (path.stem in ("routes", "api") or path.stem.endswith("_routes"))
        and "providers" not in path.parts
    }
    assert listed == on_disk
    assert set(contract["forbidden_modules"].split()) == on_disk

"""The worker runs without the web framework: importing every job module (and so everything a
job can reach at import) loads no Litestar module. A fresh interpreter, so nothing the test
session imported already can hide an import."""

from __future__ import annotations

import json
import subprocess
import sys

from app.settings import PROJECT_ROOT

PROBE = """
import json, sys
from app.background import JOB_MODULES
print(json.dumps({"modules": [m.__name__ for m in JOB_MODULES],
                  "litestar": sorted(m for m in sys.modules if m.split(".")[0] == "litestar")}))
"""


def test_job_modules_import_no_litestar():
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "app.webhooks.processing" in found["modules"]
    assert found["litestar"] == []

# Hirewire's tasks. Run them through uv so the tools come from the locked environment:
#   uv run just dev | test | lint | serve | migrate | db | bench | chaos

set shell := ["bash", "-euo", "pipefail", "-c"]

# Dashboard on the embedded PostgreSQL with the Ribbon sandbox, demo data and a printed login
# (flags: --host --port, e.g. `uv run just dev --port 8010`).
dev *args:
    uv run hirewire dev {{ args }}

# The whole suite (unit, integration, browser) against a throwaway PostgreSQL, on two processes.
test *args: chromium
    uv run pytest -n 2 {{ args }}

# Ruff (lint and format), mypy and the layering contracts (.importlinter).
lint:
    uv run ruff check .
    uv run ruff format --check .
    uv run mypy
    uv run lint-imports

# Format the code in place.
fmt:
    uv run ruff check --fix .
    uv run ruff format .

# Serve the app (flags: --host --port --no-worker).
serve *args:
    uv run hirewire serve {{ args }}

# A background worker process.
worker *args:
    uv run hirewire worker {{ args }}

# Apply migrations.
migrate:
    uv run hirewire migrate

# Start the embedded PostgreSQL (unless DATABASE_URL is set) and print its URL.
db:
    uv run hirewire database

# Debian's Chromium for the browser tests, installed when absent.
chromium:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ -x /usr/bin/chromium ]; then exit 0; fi
    echo "installing Chromium from Debian for the browser tests..." >&2
    sudo_cmd=""
    if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null

# Benchmarks beside their ceilings; prints a table, writes tests/bench/results.json (--quick: smoke run).
bench *args: wrk
    uv run python -m tests.bench.run {{ args }}

# wrk from Debian for the benchmarks, installed when absent.
wrk:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v wrk >/dev/null 2>&1; then exit 0; fi
    echo "installing wrk from Debian for the benchmarks..." >&2
    sudo_cmd=""
    if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq wrk >/dev/null

# Chaos run (not part of `just test`): >= 10,000 webhook deliveries, 30% duplicates, shuffled, while
# workers are SIGKILLed and the database restarts once; prints lost / double-applied / wrong.
# Flags: --deliveries N --workers N --kill-every S --seed N (see tests/chaos/run.py --help).
chaos *args:
    uv run python -m tests.chaos.run {{ args }}

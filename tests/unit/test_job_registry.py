"""Jobs register themselves: every kind a feature enqueues has a handler in the queue's registry
once the composition root (app/background.py) is imported, and so has every periodic job."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import app.background  # noqa: F401  (what the web app, the worker and the tests load)
from app.queue.periodic import PERIODIC
from app.queue.registry import HANDLERS
from app.settings import PROJECT_ROOT

# The queue's ways to add a job; each takes the kind first.
ENQUEUERS = {"enqueue", "enqueue_many", "insert_jobs_cte"}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)


def enqueued_kinds() -> dict[str, set[str]]:
    """Kind -> where it is enqueued, for every call of ENQUEUERS in app/ outside the queue
    itself. A kind given by name is read from the calling module (constants, imports)."""
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        if "queue" in path.relative_to(PROJECT_ROOT / "app").parts[:1]:
            continue
        module = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) in ENQUEUERS
                and node.args
            ):
                continue
            arg = node.args[0]
            where = f"{module}:{node.lineno}"
            if isinstance(arg, ast.Constant):
                kind = arg.value
            elif isinstance(arg, ast.Name):
                kind = getattr(importlib.import_module(module), arg.id, None)
            else:
                kind = None
            assert isinstance(kind, str), f"{where}: the kind is neither a string nor a constant"
            found.setdefault(kind, set()).add(where)
    return found


def test_the_scan_finds_the_features_jobs() -> None:
    kinds = enqueued_kinds()
    assert {"invite", "send_email", "process_delivery", "reconcile_invitation"} <= set(kinds)


def test_every_enqueued_kind_has_a_registered_handler() -> None:
    missing = {kind: sorted(where) for kind, where in enqueued_kinds().items()}
    missing = {kind: where for kind, where in missing.items() if kind not in HANDLERS}
    assert missing == {}


def test_every_periodic_job_has_a_registered_handler() -> None:
    assert {"expire_invitations", "reconcile", "retention"} <= set(PERIODIC)
    assert set(PERIODIC) <= set(HANDLERS)

"""One package writes each table: the package whose `tables.py` declares it. Every module under
`app/` is parsed; SQL in its string literals (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE) and
Piccolo writes (`Table.insert/update/delete`, `.objects()...save()`, `Table(...).save()`) must
name only tables of the module's own package. Reads across owners are allowed; the modules that
are cross-owner read models are listed in READ_MODELS, and they write nothing at all."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Modules that read (join) tables of several owners to build a view; what each reads.
READ_MODELS: dict[str, str] = {
    "app.dashboard.home": "jobs, invitations, candidates, assessments: the home page's tiles",
    "app.dashboard.compare": "invitations, results, candidates, assessments: side by side",
    "app.dashboard.live": "invitations, webhook deliveries, queue jobs: the live feed",
    "app.invitations.cards": "invitations, results, candidates, emails: a job's cards",
    "app.invitations.result_view": "invitation, result, candidate, assessment: one result",
    "app.webhooks.log_routes": "webhook deliveries with their invitations and candidates",
    "app.privacy.matching": "candidates, invitations, deliveries: what erasure would touch",
}

WRITE_SQL = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?"
    r"((?:\"?\w+\"?)(?:\s*,\s*\"?\w+\"?)*)",
    re.IGNORECASE,
)
PICCOLO_WRITES = {"insert", "update", "delete", "save", "remove", "add_m2m", "create"}


@dataclass(frozen=True)
class Write:
    module: str
    table: str
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def owners() -> tuple[dict[str, str], dict[str, str]]:
    """table name -> owning package, and Piccolo class name -> table name."""
    tables: dict[str, str] = {}
    classes: dict[str, str] = {}
    for path in sorted(APP.rglob("tables.py")):
        package = module_name(path).rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for kw in node.keywords:
                if kw.arg == "tablename" and isinstance(kw.value, ast.Constant):
                    name = str(kw.value.value)
                    assert name not in tables, f"table {name} declared twice"
                    tables[name] = package
                    classes[node.name] = name
    return tables, classes


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f-strings: the literal parts, holes as spaces
        return " ".join(_text(v) or " " for v in node.values)
    return None


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            found.add(id(body[0].value))
    return found


def _chain(node: ast.AST) -> tuple[str | None, set[str]]:
    """The root name of `A.b(...).c(...)` and the attributes called along the way."""
    attrs: set[str] = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            attrs.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, attrs
        else:
            return None, attrs


def writes_in(source: str, module: str, tables: dict[str, str], classes: dict[str, str]):
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found: set[Write] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr | ast.Constant):
            text = _text(node)
            for match in WRITE_SQL.finditer(text or ""):
                for name in match.group(1).split(","):
                    table = name.strip().strip('"').lower()
                    if table in tables:
                        found.add(Write(module, table, node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root, attrs = _chain(node.func)
            if root in classes and node.func.attr in PICCOLO_WRITES and attrs & PICCOLO_WRITES:
                found.add(Write(module, classes[root], node.lineno))
    return found


def _owns(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(modules: dict[str, str]) -> list[str]:
    tables, classes = owners()
    wrong: list[str] = []
    for module, source in sorted(modules.items()):
        for w in sorted(writes_in(source, module, tables, classes), key=lambda w: w.line):
            owner = tables[w.table]
            if module in READ_MODELS:
                wrong.append(f"{module}:{w.line} is a read model but writes {w.table}")
            elif not _owns(module, owner):
                wrong.append(f"{module}:{w.line} writes {w.table}, owned by {owner}")
    return wrong


def app_modules() -> dict[str, str]:
    return {module_name(p): p.read_text() for p in sorted(APP.rglob("*.py"))}


def test_every_table_is_written_only_by_its_owner():
    wrong = violations(app_modules())
    assert not wrong, "\n".join(wrong)


def test_the_read_models_exist():
    modules = app_modules()
    assert [m for m in READ_MODELS if m not in modules] == []


def test_owners_come_from_the_tables_modules():
    tables, classes = owners()
    assert tables["invitation"] == "app.invitations"
    assert tables["queue_job"] == "app.queue"
    assert tables["sandbox_flow"] == "app.providers.ribbon.sandbox"
    assert classes["QueueJob"] == "queue_job"


def test_a_planted_violation_is_caught():
    planted = {
        "app.jobs.planted": '''
SQL = f"""WITH x AS (
    UPDATE
        invitation SET status = 'gone' WHERE id = $1 RETURNING id
) DELETE FROM   job WHERE id = $2"""
async def f():
    await db.fetch("insert into queue_job (kind) values ('x') on conflict do nothing")
    await db.fetch("TRUNCATE audit_event, job")
    await AssessmentResult.update({AssessmentResult.summary: ""}).where(True)
    await Candidate.objects().get(Candidate.id == 1).save()
    await Candidate.select().where(Candidate.id == 1)  # a read
    await db.fetch("SELECT 1 FROM invitation FOR UPDATE OF invitation")  # a read
''',
        "app.dashboard.home": 'await db.fetch("DELETE FROM job")',
    }
    assert violations(planted) == [
        "app.dashboard.home:1 is a read model but writes job",
        "app.jobs.planted:2 writes invitation, owned by app.invitations",
        "app.jobs.planted:7 writes queue_job, owned by app.queue",
        "app.jobs.planted:8 writes audit_event, owned by app.audit",
        "app.jobs.planted:9 writes assessment_result, owned by app.invitations",
        "app.jobs.planted:10 writes candidate, owned by app.candidates",
    ]

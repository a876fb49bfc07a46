"""One package writes each table: the package whose `tables.py` declares it. Every module under
`app/` is parsed; SQL in its string literals (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE) and
Piccolo writes (`Table.insert/update/delete`, `.objects()...save()`, `Table(...).save()`) must
name only tables of the module's own package. Reads across owners (FROM / JOIN, Piccolo
`select/objects/count/exists`) are allowed where `app/read_models.py` lists them."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from app.read_models import READ_MODELS

APP = Path(__file__).resolve().parents[2] / "app"

WRITE_SQL = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?"
    r"((?:\"?\w+\"?)(?:\s*,\s*\"?\w+\"?)*)",
    re.IGNORECASE,
)
READ_SQL = re.compile(r"\b(?:FROM|JOIN)\s+(?:ONLY\s+)?\"?(\w+)", re.IGNORECASE)
PICCOLO_READS = {"select", "objects", "count", "exists"}
PICCOLO_WRITES = {"insert", "update", "delete", "save", "remove", "add_m2m", "create"}


@dataclass(frozen=True)
class Access:
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
    """The root name of `A.b(...).c(...)` and the attributes along the way."""
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


def accesses(
    source: str,
    module: str,
    tables: dict[str, str],
    classes: dict[str, str],
    sql: re.Pattern[str],
    piccolo: set[str],
) -> set[Access]:
    """The tables the module's SQL literals name after `sql`, and those its Piccolo calls of
    one of `piccolo` (on a table class, or on an instance made from one) touch."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found: set[Access] = set()
    # `row = Organisation(...)` makes `row.save()` a write of organisation.
    instances = {
        target.id: classes[node.value.func.id]
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in classes
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr | ast.Constant):
            for match in sql.finditer(_text(node) or ""):
                for name in match.group(1).split(","):
                    table = name.strip().strip('"').lower()
                    if table in tables:
                        found.add(Access(module, table, node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root, _ = _chain(node.func)
            if node.func.attr in piccolo and root in classes:
                found.add(Access(module, classes[root], node.lineno))
            elif node.func.attr in piccolo and root in instances:
                found.add(Access(module, instances[root], node.lineno))
    return found


def _owns(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(
    modules: dict[str, str], read_models: dict[str, tuple[str, ...]] = READ_MODELS
) -> list[str]:
    tables, classes = owners()
    wrong: list[str] = []
    for module, source in sorted(modules.items()):
        writes = accesses(source, module, tables, classes, WRITE_SQL, PICCOLO_WRITES)
        for w in sorted(writes, key=lambda a: (a.line, a.table)):
            if not _owns(module, tables[w.table]):
                wrong.append(f"{module}:{w.line} writes {w.table}, owned by {tables[w.table]}")
        reads = accesses(source, module, tables, classes, READ_SQL, PICCOLO_READS)
        allowed = set(read_models.get(module, ()))
        for r in sorted(reads, key=lambda a: (a.line, a.table)):
            if not _owns(module, tables[r.table]) and r.table not in allowed:
                wrong.append(
                    f"{module}:{r.line} reads {r.table}, owned by {tables[r.table]}, "
                    "and is not listed in app/read_models.py"
                )
    return wrong


def app_modules() -> dict[str, str]:
    return {module_name(p): p.read_text() for p in sorted(APP.rglob("*.py"))}


def test_every_table_is_written_only_by_its_owner_and_read_elsewhere_only_where_listed():
    wrong = violations(app_modules())
    assert not wrong, "\n".join(wrong)


def test_the_listed_read_models_exist_and_name_other_owners_tables():
    modules = app_modules()
    tables, _ = owners()
    assert [m for m in READ_MODELS if m not in modules] == []
    listed = {(m, t) for m, ts in READ_MODELS.items() for t in ts}
    assert [(m, t) for m, t in sorted(listed) if t not in tables or _owns(m, tables[t])] == []


def test_owners_come_from_the_tables_modules():
    tables, classes = owners()
    assert tables["invitation"] == "app.invitations"
    assert tables["queue_job"] == "app.queue"
    assert tables["provider_stage_move"] == "app.invitations"
    assert tables["sandbox_flow"] == "app.providers.ribbon.sandbox"
    assert classes["QueueJob"] == "queue_job"


def test_planted_violations_are_caught():
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
    await db.fetch("SELECT 1 FROM invitation i JOIN job j ON j.id = i.job_id FOR UPDATE OF i")
    org = Organisation(name="x")
    await org.save()
''',
        "app.dashboard.home": 'await db.fetch("SELECT 1 FROM job JOIN candidate c ON true")',
    }
    assert violations(planted, {"app.dashboard.home": ("job",)}) == [
        "app.dashboard.home:1 reads candidate, owned by app.candidates, "
        "and is not listed in app/read_models.py",
        "app.jobs.planted:2 writes invitation, owned by app.invitations",
        "app.jobs.planted:7 writes queue_job, owned by app.queue",
        "app.jobs.planted:8 writes audit_event, owned by app.audit",
        "app.jobs.planted:9 writes assessment_result, owned by app.invitations",
        "app.jobs.planted:10 writes candidate, owned by app.candidates",
        "app.jobs.planted:13 writes organisation, owned by app.accounts",
        "app.jobs.planted:10 reads candidate, owned by app.candidates, "
        "and is not listed in app/read_models.py",
        "app.jobs.planted:11 reads invitation, owned by app.invitations, "
        "and is not listed in app/read_models.py",
    ]

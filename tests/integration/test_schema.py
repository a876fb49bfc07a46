"""Every Piccolo table class matches the columns the migrations create, both ways: the raw-SQL
migrations and the classes that describe them cannot drift apart unnoticed."""

from __future__ import annotations

from app import db
from app.piccolo_app import APP_CONFIG


async def test_every_table_class_matches_its_migrated_columns(pool):
    rows = await db.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    migrated: dict[str, set[str]] = {}
    for row in rows:
        migrated.setdefault(row["table_name"], set()).add(row["column_name"])
    assert APP_CONFIG.table_classes, "no table classes found"
    for table in APP_CONFIG.table_classes:
        name = table._meta.tablename
        declared = {column._meta.db_column_name for column in table._meta.columns}
        assert name in migrated, f"{table.__name__}: no table {name!r} after migrating"
        assert declared == migrated[name], (
            f"{table.__name__}: only in the class {sorted(declared - migrated[name])}, "
            f"only in the database {sorted(migrated[name] - declared)}"
        )

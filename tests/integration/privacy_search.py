"""Searching every table of Hirewire for a string: what the privacy tests assert is gone."""

from __future__ import annotations

from app import db

# Tables of the Ribbon sandbox stand in for Ribbon's own storage (the provider's side, which
# Hirewire cannot erase through Ribbon's API); every other table is searched.
NOT_OURS = ("sandbox_",)
KEPT_TABLES = {"migration"}


async def mentions(term: str) -> dict[str, int]:
    """Rows of every table whose text (any column, bytea included) contains `term`."""
    tables = await db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    found: dict[str, int] = {}
    for t in tables:
        name = t["tablename"]
        if name in KEPT_TABLES or name.startswith(NOT_OURS):
            continue
        byteas = await db.fetch(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = $1 AND data_type = 'bytea'""",
            name,
        )
        checks = ["strpos(lower(t::text), lower($1)) > 0"]
        checks += [
            f"strpos(lower(encode(t.\"{c['column_name']}\", 'escape')), lower($1)) > 0"
            for c in byteas
        ]
        n = await db.fetchval(f'SELECT count(*) FROM "{name}" t WHERE ' + " OR ".join(checks), term)
        if n:
            found[name] = n
    return found


async def everywhere(terms: list[str]) -> dict[str, dict[str, int]]:
    found = {term: await mentions(term) for term in terms}
    return {term: tables for term, tables in found.items() if tables}

"""The sandbox's tables leave the production schema: `hirewire_0100` created them for every
database, and they now come from the sandbox's own migration set (`migrations/sandbox/`),
applied only where the sandbox runs, right after this one. A development database loses its
sandbox interviews once; a production database ends with no sandbox table at all."""

from app.db import sql_migration

ID = "2026-12-03T16:00:00:000900"
VERSION = "1.38.0"
DESCRIPTION = "sandbox tables apart"

SQL = """
DROP TABLE IF EXISTS sandbox_delivery, sandbox_interview, sandbox_flow, sandbox_knobs;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

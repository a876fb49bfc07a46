"""A login attempt is recorded before its password is checked (so racing guesses cannot get
more checks than the limit); `pending` says the check has not finished. Pending attempts count
against the email and the browser, which guessing targets, but not against the address, so
an office's colleagues logging in at the same moment from one address are not slowed."""

from app.db import sql_migration

ID = "2026-12-05T05:00:00:000990"
VERSION = "1.38.0"
DESCRIPTION = "pending login attempts"

SQL = """
ALTER TABLE login_attempt ADD COLUMN pending boolean NOT NULL DEFAULT false;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

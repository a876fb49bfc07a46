"""Login attempts from a browser that has signed in to the account before carry its device
cookie's nonce: those count against that browser alone, so failures elsewhere (someone guessing
at a recruiter's email) never lock its owner out."""

from app.db import sql_migration

ID = "2026-12-04T02:30:00:000920"
VERSION = "1.38.0"
DESCRIPTION = "login attempts by device"

SQL = """
ALTER TABLE login_attempt ADD COLUMN device text;
CREATE INDEX login_attempt_device_idx ON login_attempt (device, at)
    WHERE NOT succeeded AND device IS NOT NULL;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

"""Each session holds the hash of the CSRF token issued with it at login, so a token from
anywhere else (another visit, a planted cookie) is refused; API tokens can expire."""

from app.db import sql_migration

ID = "2026-12-04T03:30:00:000940"
VERSION = "1.38.0"
DESCRIPTION = "session-bound CSRF tokens, API token expiry"

SQL = """
ALTER TABLE user_session ADD COLUMN csrf_hash text;
ALTER TABLE api_token ADD COLUMN expires_at timestamptz;
"""


forwards = sql_migration(ID, DESCRIPTION, SQL)

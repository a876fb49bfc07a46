"""Tables of organisations, users, sessions, API tokens, login attempts and password resets."""

from piccolo.columns import UUID, BigSerial, Boolean, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organisation(Table, tablename="organisation"):
    id = UUID(primary_key=True)
    name = Text()
    ribbon_api_key_enc = Text(null=True, default=None, secret=True)
    ribbon_api_key_hint = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AppUser(Table, tablename="app_user"):
    id = UUID(primary_key=True)
    organisation_id = UUID()
    email = Text()
    name = Text(default="")
    password_hash = Text(secret=True)
    role = Text(default="recruiter")
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    password_changed_at = Timestamptz(default=TimestamptzNow())
    invited_at = Timestamptz(null=True, default=None)  # by an admin; no password until set
    last_login_at = Timestamptz(null=True, default=None)


class UserSession(Table, tablename="user_session"):
    id = UUID(primary_key=True)
    user_id = UUID()
    token_hash = Text(secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    ip = Text(default="")
    user_agent = Text(default="")
    csrf_hash = Text(null=True, default=None, secret=True)  # the CSRF token issued at login


class ApiToken(Table, tablename="api_token"):
    id = UUID(primary_key=True)
    user_id = UUID()
    name = Text(default="")
    prefix = Text()
    token_hash = Text(secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table, tablename="login_attempt"):
    id = BigSerial(primary_key=True)
    email = Text()
    ip = Text()
    device = Text(null=True, default=None)  # the device cookie's nonce, for a known browser
    succeeded = Boolean()
    pending = Boolean(default=False)  # recorded, its password not checked yet
    at = Timestamptz(default=TimestamptzNow())


class PasswordReset(Table, tablename="password_reset"):
    """A reset request; for an account, with its one-time link's hash (see `resets.py`)."""

    id = UUID(primary_key=True)
    email = Text()
    ip = Text()
    device = Text(null=True, default=None)
    user_id = UUID(null=True, default=None)
    token_hash = Text(null=True, default=None, secret=True)
    token_enc = Text(null=True, default=None, secret=True)
    status = Text()
    requested_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    used_at = Timestamptz(null=True, default=None)
    purpose = Text(default="reset")  # or "invite": a colleague's first password

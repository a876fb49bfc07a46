"""Settings read once from the environment (and `.env`), then passed around explicitly."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RIBBON_API_BASE = "https://app.ribbon.ai/be-api"


class SettingsError(ValueError):
    """A setting is present but unusable; the message names it."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _proxies(env: dict[str, str], name: str) -> str:
    """Trusted proxy addresses: empty (trust none), `*`, or comma-separated IPs and CIDRs.
    A typo must not silently become "trust nobody" (or worse), so anything else is refused."""
    raw = (env.get(name) or "").strip()
    if raw in ("", "*"):
        return raw
    entries = [item.strip() for item in raw.split(",") if item.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False) if "/" in entry else ipaddress.ip_address(
                entry
            )
        except ValueError:
            raise SettingsError(
                f"{name} must be `*` or comma-separated IP addresses or CIDR networks, "
                f"got {entry!r}"
            ) from None
    return ",".join(entries)


LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def is_loopback_host(host: str) -> bool:
    """Whether a listening address is reachable only from this machine (`0.0.0.0` is not)."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost: assume others can reach it


def refuse_public_sandbox(settings: Settings, host: str) -> None:
    """The sandbox's admin API has no authentication: refuse to serve it anywhere but a
    developer's own machine, unless the operator says so explicitly with SANDBOX_ALLOW_PUBLIC."""
    if not settings.sandbox_enabled or settings.sandbox_allow_public:
        return
    if settings.public_base_url.startswith("https://"):
        reason = f"PUBLIC_BASE_URL is {settings.public_base_url} (https: a public deployment)"
    elif not is_loopback_host(host):
        reason = f"the server would listen on {host!r}, which is not a loopback address"
    else:
        return
    raise SettingsError(
        f"refusing to start: SANDBOX_ENABLED is set and {reason}. The Ribbon sandbox is for "
        "development only (its admin API has no authentication). Unset SANDBOX_ENABLED, or set "
        "SANDBOX_ALLOW_PUBLIC=1 if this really is a throwaway demo."
    )


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    secret_key: str
    public_base_url: str
    ribbon_api_base: str
    smtp_url: str | None
    data_dir: Path
    email_from: str = "Hirewire <no-reply@hirewire.test>"
    reconcile_every_seconds: int = 60
    reconcile_after_seconds: int = 900
    invite_expiry_days: int = 14
    video_wait_seconds: int = 86400  # a video not delivered by then is "no video recorded"
    results_wait_seconds: int = 86400  # likewise a summary, transcript or core score
    remind_min_interval_seconds: int = 3600  # a manual Remind or Resend no sooner than this
    raw_payload_retention_days: int = 30
    session_max_age_seconds: int = 8 * 3600
    login_max_failures: int = 10
    login_window_seconds: int = 15 * 60
    sandbox_enabled: bool = False
    sandbox_allow_public: bool = False  # SANDBOX_ALLOW_PUBLIC: serve it beyond loopback anyway
    forwarded_allow_ips: str = ""  # trusted proxies: "" (none), "*", or "ip,cidr,..."
    webhook_secret_grace_seconds: int = 24 * 3600
    sse_max_stream_seconds: int = 300  # a live stream ends after this; browsers reconnect
    body_read_timeout_seconds: int = 30  # a request body that stalls longer answers 408
    log_level: str = "INFO"
    log_json: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env: dict[str, str] = {}
        dotenv = PROJECT_ROOT / ".env"
        if environ is None and dotenv.exists():
            env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        env.update(environ if environ is not None else os.environ)

        data_dir = Path(env.get("HIREWIRE_DATA_DIR") or PROJECT_ROOT / ".data")
        secret_key = env.get("SECRET_KEY") or _dev_secret_key(data_dir)
        if len(secret_key) < 16:
            raise SettingsError("SECRET_KEY must be at least 16 characters")
        public = (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
        if not public.startswith(("http://", "https://")):
            raise SettingsError(
                f"PUBLIC_BASE_URL must start with http:// or https://, got {public!r}"
            )
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            secret_key=secret_key,
            public_base_url=public,
            ribbon_api_base=(env.get("RIBBON_API_BASE") or DEFAULT_RIBBON_API_BASE).rstrip("/"),
            smtp_url=env.get("SMTP_URL") or None,
            data_dir=data_dir,
            email_from=env.get("EMAIL_FROM") or "Hirewire <no-reply@hirewire.test>",
            reconcile_every_seconds=_int(env, "RECONCILE_EVERY_SECONDS", 60, 1),
            reconcile_after_seconds=_int(env, "RECONCILE_AFTER_SECONDS", 900, 0),
            invite_expiry_days=_int(env, "INVITE_EXPIRY_DAYS", 14, 1),
            video_wait_seconds=_int(env, "VIDEO_WAIT_SECONDS", 86400, 0),
            results_wait_seconds=_int(env, "RESULTS_WAIT_SECONDS", 86400, 0),
            remind_min_interval_seconds=_int(env, "REMIND_MIN_INTERVAL_SECONDS", 3600, 0),
            raw_payload_retention_days=_int(env, "RAW_PAYLOAD_RETENTION_DAYS", 30, 1),
            session_max_age_seconds=_int(env, "SESSION_MAX_AGE_SECONDS", 8 * 3600, 60),
            sandbox_enabled=_bool(env, "SANDBOX_ENABLED", False),
            sandbox_allow_public=_bool(env, "SANDBOX_ALLOW_PUBLIC", False),
            forwarded_allow_ips=_proxies(env, "FORWARDED_ALLOW_IPS"),
            webhook_secret_grace_seconds=_int(env, "WEBHOOK_SECRET_GRACE_SECONDS", 24 * 3600, 0),
            sse_max_stream_seconds=_int(env, "SSE_MAX_STREAM_SECONDS", 300, 1),
            body_read_timeout_seconds=_int(env, "BODY_READ_TIMEOUT_SECONDS", 30, 1),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            log_json=_bool(env, "LOG_JSON", True),
        )

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _dev_secret_key(data_dir: Path) -> str:
    """Without SECRET_KEY, keep one generated key under the data folder (development only)."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key

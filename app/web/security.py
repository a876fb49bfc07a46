"""Security headers on every response, including errors and static files, and
`Cache-Control: no-store` on every signed-in one.

Litestar has no built-in Content-Security-Policy support, so a small hook adds the headers
as each response starts."""

from __future__ import annotations

from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # Interview audio and video are served by the provider's media hosts.
        "media-src 'self' https: http://127.0.0.1:* http://localhost:*",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: Litestar calls it for every response, including routing errors
    that never reach middleware."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        present = {bytes(name).lower() for name, _ in headers}
        headers.extend((k, v) for k, v in HEADERS if k not in present)
        if scope.get("user") is not None:
            # Signed in (a session or a token): names, emails and scores must not outlive the
            # session in a cache, where the Back button after logout would show them. Static
            # files skip the session lookup, so they keep their caching.
            headers = [(k, v) for k, v in headers if bytes(k).lower() != b"cache-control"]
            headers.append((b"cache-control", b"no-store"))
        message["headers"] = headers

"""The logs' second line of defence: credential-looking keys are redacted, flags are not."""

from __future__ import annotations

from app.logs import redact


def test_credential_values_are_redacted_and_flags_kept():
    event = redact(
        None,
        "info",
        {
            "webhook_secret": "s3cr3t",
            "signature": "sha256=abc",
            "api_key_hint": "abcd",
            "has_signature": False,
            "token_count": 3,
            "event": "webhook_signature_failed",
        },
    )
    assert event == {
        "webhook_secret": "[redacted]",
        "signature": "[redacted]",
        "api_key_hint": "[redacted]",
        "has_signature": False,
        "token_count": 3,
        "event": "webhook_signature_failed",
    }

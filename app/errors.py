"""What a service says went wrong, in the domain's words; app/web/errors.py turns each kind
into an HTTP answer. Imports nothing from the app, so a worker job can raise and catch these
without the web framework."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a person can read: `message` is shown as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """No such thing, or not in this organisation (the two are not told apart)."""


class Conflict(DomainError):
    """The thing exists but its state forbids the change (a closed job, a used link)."""


class Invalid(DomainError):
    """Input that cannot be used; the message says how to fix it."""


class Forbidden(DomainError):
    """The person is known but may not do this."""


class TooMany(DomainError):
    """Too many attempts; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

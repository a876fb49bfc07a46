"""The sandbox's knobs: how it misbehaves. Set for the whole sandbox or per flow (a flow's
knobs override the global ones), validated here so a bad setting is a 422, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from app.providers.ribbon.translate import CORE_SCORES, LANGUAGE_SCORES

SCORE_KEYS = (*CORE_SCORES, *LANGUAGE_SCORES)
API_ERRORS = ("500", "502", "503", "429", "timeout")

# name -> (type, minimum, maximum, help). Counters ("*_next") count down as they fire.
SPEC: Mapping[str, tuple[type, float | None, float | None, str]] = {
    "duplicates": (int, 0, 20, "extra copies of every webhook"),
    "reorder": (bool, None, None, "send video_processed before interview_processed"),
    "delivery_delay_seconds": (float, 0, 3600, "wait before the first delivery attempt"),
    "drop_probability": (float, 0, 1, "chance that a webhook is never sent"),
    "drop_next": (int, 0, 10_000, "never send the next N webhooks"),
    "max_attempts": (int, 1, 50, "delivery attempts before giving up"),
    "retry_base_seconds": (float, 0, 600, "first retry wait; doubles each attempt"),
    "video_delay_seconds": (float, 0, 86_400, "how long after finishing the video is ready"),
    "video_never": (bool, None, None, "the video never becomes ready"),
    "null_scores": (list, None, None, "score keys reported as null"),
    "no_summary": (bool, None, None, "report no summary"),
    "language_assessment": (bool, None, None, "report the four language scores"),
    "api_error": (str, None, None, "one of 500, 502, 503, 429, timeout (or null)"),
    "api_error_next": (int, 0, 10_000, "fail the next N API calls with api_error"),
    "api_error_probability": (float, 0, 1, "chance that an API call fails with api_error"),
    "retry_after_seconds": (float, 0, 3600, "Retry-After sent with 429"),
    "timeout_seconds": (float, 0, 600, "how long a 'timeout' call hangs before answering"),
    "rejected_api_keys": (list, None, None, "API keys answered with 403"),
}
GLOBAL_ONLY = frozenset({"rejected_api_keys"})  # keys belong to teams, not flows


@dataclass(frozen=True)
class Knobs:
    duplicates: int = 0
    reorder: bool = False
    delivery_delay_seconds: float = 0.0
    drop_probability: float = 0.0
    drop_next: int = 0
    max_attempts: int = 8
    retry_base_seconds: float = 1.0
    video_delay_seconds: float = 3.0
    video_never: bool = False
    null_scores: tuple[str, ...] = ()
    no_summary: bool = False
    language_assessment: bool = False
    api_error: str | None = None
    api_error_next: int = 0
    api_error_probability: float = 0.0
    retry_after_seconds: float = 1.0
    timeout_seconds: float = 30.0
    rejected_api_keys: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


class KnobError(ValueError):
    """A knob setting that cannot be used; the message says which and why."""


def validate(changes: Any, per_flow: bool = False) -> dict[str, Any]:
    """Check a partial knob setting; returns it normalised. Null resets a knob to its default."""
    if not isinstance(changes, Mapping):
        raise KnobError("knobs must be a JSON object")
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in SPEC:
            raise KnobError(f"unknown knob {name!r}; known knobs: {', '.join(sorted(SPEC))}")
        if per_flow and name in GLOBAL_ONLY:
            raise KnobError(f"{name} is set for the whole sandbox, not per flow")
        clean[name] = None if value is None else _check(name, value)
    return clean


def _check(name: str, value: Any) -> Any:
    kind, low, high, _ = SPEC[name]
    if kind is bool:
        if not isinstance(value, bool):
            raise KnobError(f"{name} must be true or false")
        return value
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise KnobError(f"{name} must be a list of strings")
        unknown = [v for v in value if v not in SCORE_KEYS]
        if name == "null_scores" and unknown:
            raise KnobError(f"null_scores: unknown score {unknown[0]!r}")
        return value
    if kind is str:
        if str(value) not in API_ERRORS:
            raise KnobError(f"{name} must be one of {', '.join(API_ERRORS)} or null")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnobError(f"{name} must be a number")
    if kind is int and value != int(value):
        raise KnobError(f"{name} must be a whole number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise KnobError(f"{name} must be between {low:g} and {high:g}")
    return int(value) if kind is int else float(value)


def merge(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings with changes applied; a null change removes the setting."""
    merged = dict(stored)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def effective(global_knobs: Mapping[str, Any], flow_knobs: Mapping[str, Any]) -> Knobs:
    values: dict[str, Any] = {}
    for source in (global_knobs, flow_knobs):
        for name, value in source.items():
            if name in SPEC and value is not None:
                values[name] = tuple(value) if isinstance(value, list) else value
    return Knobs(**values)

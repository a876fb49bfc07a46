"""Template globals and filters shared by every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine

from app.settings import Settings
from app.text import displayable
from app.vocabulary import VOCABULARIES


def timeago(value: dt.datetime | None) -> str:
    if value is None:
        return "never"
    seconds = int((dt.datetime.now(dt.UTC) - value).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def datetime_format(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC")


def score_format(value: Any) -> str:
    if value is None:
        return "–"
    number = float(value)
    return f"{number:.1f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


def configure_templates(settings: Settings) -> Callable[[JinjaTemplateEngine], None]:
    def callback(engine: JinjaTemplateEngine) -> None:
        env = engine.engine
        env.globals["app_name"] = "Hirewire"
        # Templates read labels, order and "waiting" from the enums (InvitationStatus, Stage,
        # ...), registered by their packages, all imported by now through the routes.
        env.globals.update(VOCABULARIES)
        env.globals["public_base_url"] = settings.public_base_url
        env.filters["timeago"] = timeago
        env.filters["datetime"] = datetime_format
        env.filters["score"] = score_format
        env.trim_blocks = True
        env.lstrip_blocks = True
        env.finalize = displayable

    return callback

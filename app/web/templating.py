"""Template globals and filters shared by every page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import pass_context
from litestar import Litestar
from litestar.plugins.jinja import JinjaTemplateEngine

from app.settings import Settings
from app.text import displayable

STATUS_LABELS = {
    "sending": "Sending",
    "invited": "Invited",
    "pending": "Pending",
    "partial": "Partial",
    "complete": "Complete",
    "expired": "Expired",
    "cancelled": "Cancelled",
    "failed": "Failed",
}


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


PATH_PARAMETER = re.compile(r"\{(\w+):\w+\}")


@pass_context
def url_for(context: Mapping[str, Any], /, route_name: str, **path_parameters: Any) -> str:
    """Litestar's `url_for`, with each route's path worked out once per app (kept in its state):
    a job page builds hundreds of links, and `route_reverse` takes about 8 µs for each."""
    app: Litestar = context["request"].app
    patterns: dict[str, str] = app.state.setdefault("link_patterns", {})
    pattern = patterns.get(route_name)
    if pattern is None:
        index = app.get_handler_index_by_name(route_name)
        if index is None or len(index["paths"]) != 1:
            return app.route_reverse(route_name, **path_parameters)
        pattern = patterns[route_name] = PATH_PARAMETER.sub(r"{\1}", index["paths"][0])
    try:
        return pattern.format_map(path_parameters)
    except KeyError:  # a parameter is missing: Litestar's own message says which
        return app.route_reverse(route_name, **path_parameters)


def configure_templates(settings: Settings) -> Callable[[JinjaTemplateEngine], None]:
    def callback(engine: JinjaTemplateEngine) -> None:
        env = engine.engine
        env.globals["app_name"] = "Hirewire"
        env.globals["status_labels"] = STATUS_LABELS
        env.globals["public_base_url"] = settings.public_base_url
        env.globals["url_for"] = url_for
        env.filters["timeago"] = timeago
        env.filters["datetime"] = datetime_format
        env.filters["score"] = score_format
        env.trim_blocks = True
        env.lstrip_blocks = True
        env.finalize = displayable

    return callback

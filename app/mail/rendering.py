"""Rendering emails from their templates (built-in ones under templates/emails/, or an
organisation's own through app/emails/custom.py): subject, plain text and HTML."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from app.settings import PROJECT_ROOT
from app.text import clean, displayable

# The HTML part is shown in an <iframe sandbox>: no scripts, no forms, no same-origin access,
# only inline styles (emails need them) and images; framed by our own pages only.
EMAIL_HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox"
)

KINDS = ("invite", "reminder", "password_reset", "team_invite")
SUBJECTS = {
    "invite": "Your video interview for {job_title} at {org_name}",
    "reminder": "Reminder: your video interview for {job_title} at {org_name}",
    "password_reset": "Set a new password for {org_name}",
    "team_invite": "You are invited to {org_name} on Hirewire",
}


@cache
def _environment() -> jinja2.Environment:
    # Candidate and job names are untrusted: the HTML part is autoescaped, the text part is not
    # (plain text has nothing to escape).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates" / "emails"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=displayable,
    )


def one_subject_line(text: str) -> str:
    """Header values must not carry line breaks (header injection)."""
    return clean(text, "words", 200)


def button(link: str, label: str) -> Markup:
    """The call to action of an HTML email, as the built-in emails draw it."""
    return Markup(
        '<p style="margin:22px 0;"><a href="{0}" style="display:inline-block;background:#4338ca;'
        "color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 22px;"
        'border-radius:8px;">{1}</a></p>'
    ).format(link, label)


def in_layout(subject: str, org_name: str, link: str, body: Markup) -> str:
    """`body` (already safe HTML) inside the emails' layout."""
    template = _environment().from_string(
        '{% extends "_layout.html" %}{% block body %}{{ body }}{% endblock %}'
    )
    return template.render(subject=subject, org_name=org_name, link=link, body=body)


def default_text(kind: str) -> str:
    """The built-in text of `kind` with placeholders where the candidate's details go."""
    names = ("first_name", "job_title", "org_name", "link", "expires_at", "minutes")
    text = _environment().get_template(f"{kind}.txt").render({n: "{" + n + "}" for n in names})
    return text.strip() + "\n"


def render(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an email of `kind`."""
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    subject = one_subject_line(SUBJECTS[kind].format(**context))
    env = _environment()
    full = {"subject": subject, "minutes": 15, "expires_at": "", **context}
    text = env.get_template(f"{kind}.txt").render(full)
    html = env.get_template(f"{kind}.html").render(full)
    return subject, text, html

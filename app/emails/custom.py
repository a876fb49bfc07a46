"""An organisation's own invitation and reminder emails: a subject and a plain-text body with
placeholders ({first_name}, {link}, ...), and a sender name. The HTML part is built from the
text (paragraphs, the link as a button) inside the same layout as the built-in emails, so a
recruiter writes words, never markup, and nothing they write can break the email.

Placeholders are replaced by hand rather than with str.format or a template engine: only the
names below exist, and no attribute or index lookup can reach anything else."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from markupsafe import Markup, escape

from app import db
from app.mail import rendering as builtin
from app.text import lines, one_line

KINDS = ("invite", "reminder")
PLACEHOLDERS = {
    "first_name": "the candidate's first name",
    "last_name": "the candidate's last name",
    "job_title": "the job's title",
    "org_name": "your organisation's name",
    "link": "the candidate's interview link (required)",
    "expires_at": "the date the link stops working",
    "minutes": "how long the interview takes",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MAX_SUBJECT = 200
MAX_BODY = 5000
MAX_SENDER = 80


class TemplateError(ValueError):
    """What is wrong with a template, for the person who wrote it."""


def check(subject: str, body: str, sender_name: str) -> tuple[str, str, str]:
    """The template cleaned, or TemplateError naming the first problem."""
    subject, body, sender = one_line(subject), lines(body), one_line(sender_name)
    if not subject:
        raise TemplateError("Write a subject.")
    if len(subject) > MAX_SUBJECT:
        raise TemplateError(f"The subject can be at most {MAX_SUBJECT} characters.")
    if len(body) > MAX_BODY:
        raise TemplateError(f"The email can be at most {MAX_BODY:,} characters.")
    if len(sender) > MAX_SENDER or any(ch in sender for ch in '<>"@,;'):
        raise TemplateError(
            f'The sender name is a name (at most {MAX_SENDER} characters, no <, >, ", @, '
            "comma or semicolon)."
        )
    for text in (subject, body):
        unknown = sorted({m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})
        if unknown:
            known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            raise TemplateError(f"Unknown placeholder {{{unknown[0]}}}. Use {known}.")
    if "{link}" not in body:
        raise TemplateError("The email must contain {link}: it is how the candidate starts.")
    if "{link}" in subject:
        raise TemplateError("Keep {link} out of the subject.")
    return subject, body, sender


def _fill(text: str, context: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), text)


def _paragraph(block: str, values: dict[str, str]) -> Markup:
    """One paragraph as HTML: the words escaped, placeholders filled, the link a link."""
    parts = _PLACEHOLDER.split(block)  # text, name, text, name, ... text
    html = Markup("")
    for i, part in enumerate(parts):
        if i % 2 == 0:
            html += Markup("<br>").join(escape(line) for line in part.split("\n"))
        elif part == "link":
            html += Markup('<a href="{0}" style="color:#4338ca;">{0}</a>').format(values["link"])
        else:
            html += escape(values.get(part, "{" + part + "}"))
    return Markup('<p style="margin:0 0 14px;">{}</p>').format(html)


def render(
    template: dict[str, Any], context: dict[str, Any], org_name: str
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a custom template for one candidate."""
    values = {k: str(v) for k, v in {"minutes": 15, "expires_at": "", **context}.items()}
    values.setdefault("link", "")
    subject = builtin.one_subject_line(_fill(template["subject"], values))
    text = _fill(template["body"], values)
    blocks = [b for b in re.split(r"\n\s*\n", template["body"].strip()) if b.strip()]
    body = Markup("").join(
        builtin.button(values["link"], "Start your interview")
        if block.strip() == "{link}"
        else _paragraph(block, values)
        for block in blocks
    )
    return subject, text, builtin.in_layout(subject, org_name, values["link"], body)


async def templates_of(organisation_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    rows = await db.fetch(
        """SELECT kind, subject, body, sender_name, updated_at FROM email_template
           WHERE organisation_id = $1""",
        organisation_id,
    )
    return {r["kind"]: dict(r) for r in rows}


async def template_of(organisation_id: uuid.UUID, kind: str) -> dict[str, Any] | None:
    row = await db.fetchrow(
        """SELECT kind, subject, body, sender_name FROM email_template
           WHERE organisation_id = $1 AND kind = $2""",
        organisation_id,
        kind,
    )
    return dict(row) if row else None


async def save(
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    subject: str,
    body: str,
    sender_name: str,
) -> None:
    if kind not in KINDS:
        raise TemplateError("There is no such email.")
    subject, body, sender = check(subject, body, sender_name)
    await db.fetch(
        """INSERT INTO email_template (organisation_id, kind, subject, body, sender_name,
                                       updated_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (organisation_id, kind) DO UPDATE
               SET subject = $3, body = $4, sender_name = $5, updated_by = $6,
                   updated_at = now()""",
        organisation_id,
        kind,
        subject,
        body,
        sender,
        user_id,
    )


async def reset(organisation_id: uuid.UUID, kind: str) -> None:
    await db.fetch(
        "DELETE FROM email_template WHERE organisation_id = $1 AND kind = $2",
        organisation_id,
        kind,
    )


def default_template(kind: str) -> dict[str, str]:
    """The built-in wording, as a starting point to edit."""
    text = builtin.default_text(kind)
    return {"subject": builtin.SUBJECTS[kind], "body": text, "sender_name": ""}


def sample_context(org_name: str, job_title: str = "Data Engineer") -> dict[str, str]:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "job_title": job_title,
        "org_name": org_name,
        "link": "https://interview.example/your-candidate-s-link",
        "expires_at": expires.strftime("%d %B %Y"),
    }

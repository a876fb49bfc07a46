"""Reading a candidates CSV into rows with per-row problems, before anything is saved (pure)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from app.text import one_line

MAX_ROWS = 5_000
MAX_NAME = 100
MAX_EMAIL = 254

# Header spellings people actually use, mapped to our fields.
HEADER_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "email_address": "email",
    "first_name": "first_name",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last_name": "last_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "name": "name",
    "full name": "name",
    "full_name": "name",
    "phone": "phone",
    "phone number": "phone",
}


class CsvError(ValueError):
    """The file as a whole cannot be used; the message says why."""


@dataclass
class CsvRow:
    line: int  # line number in the file (the header is line 1)
    email: str
    first_name: str
    last_name: str
    phone: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_email(raw: str) -> str:
    """A normalised, lower-cased address; ValueError with a readable reason otherwise."""
    raw = (raw or "").strip()
    if not raw:
        raise ValueError("email is missing")
    if len(raw) > MAX_EMAIL:
        raise ValueError("email is too long")
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"{raw!r} is not a valid email address ({exc})") from None


def name_problems(first_name: str, last_name: str) -> list[str]:
    problems = []
    if not first_name.strip():
        problems.append("first name is missing")
    if len(first_name) > MAX_NAME or len(last_name) > MAX_NAME:
        problems.append(f"names can be at most {MAX_NAME} characters")
    return problems


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # a byte order mark from Excel is fine
    except UnicodeDecodeError:
        raise CsvError(
            "The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again."
        ) from None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(name.strip().lower())
        if key and key not in columns:
            columns[key] = index
    if "email" not in columns:
        raise CsvError("The first row must be a header with an 'email' column.")
    if "first_name" not in columns and "name" not in columns:
        raise CsvError("The header needs a 'first_name' (or 'name') column.")
    return columns


def parse_csv(text: str) -> list[CsvRow]:
    """Every data row with its problems; duplicates within the file are problems too."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("The file is empty.") from None
    except csv.Error as exc:
        raise CsvError(f"The file is not a readable CSV: {exc}") from None
    columns = _columns(header)
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvError(
                    f"The file has more than {MAX_ROWS:,} rows. Split it and upload each."
                )
            rows.append(_row(reader.line_num, cells, columns, seen))
    except csv.Error as exc:
        raise CsvError(f"Line {reader.line_num} is not readable CSV: {exc}") from None
    if not rows:
        raise CsvError("The file has a header but no candidates.")
    return rows


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str:
    """The cell as one safe line of text (see app/text.py)."""
    index = columns.get(key)
    if index is None or index >= len(cells):
        return ""
    return one_line(cells[index])


def _row(line: int, cells: list[str], columns: dict[str, int], seen: dict[str, int]) -> CsvRow:
    first, last = _cell(cells, columns, "first_name"), _cell(cells, columns, "last_name")
    if not first and not last and "name" in columns:
        first, _, last = _cell(cells, columns, "name").partition(" ")
        last = last.strip()
    raw_email = _cell(cells, columns, "email")
    row = CsvRow(line, raw_email, first, last, _cell(cells, columns, "phone")[:50])
    try:
        row.email = clean_email(raw_email)
    except ValueError as exc:
        row.errors.append(str(exc))
    else:
        if row.email in seen:
            row.errors.append(f"duplicate of line {seen[row.email]} in this file")
        else:
            seen[row.email] = line
    row.errors.extend(name_problems(first, last))
    return row

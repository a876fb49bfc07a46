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


FIELDS = {  # what a column can be, as the mapping step names it
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Full name",
    "phone": "Phone",
}
ENCODINGS = {"auto": "Automatic", "utf-8": "UTF-8", "windows-1252": "Windows-1252 (Excel)"}


class CsvError(ValueError):
    """The file as a whole cannot be used; the message says why."""


class NeedsMapping(CsvError):
    """The header does not name the columns we know: the person says which column is which."""

    def __init__(self, header: list[str], message: str) -> None:
        super().__init__(message)
        self.header = header


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


def _why_not_an_address(raw: str) -> str:
    """What is wrong with an address, in a recruiter's words (not the validator's)."""
    if raw.count("@") == 0:
        return "it has no @"
    if raw.count("@") > 1:
        return "it has more than one @"
    if any(ch.isspace() for ch in raw):
        return "it contains a space"
    local, _, domain = raw.partition("@")
    if not local:
        return "nothing comes before the @"
    if "." not in domain:
        return "the part after the @ has no dot (e.g. example.com)"
    return "check it for a typo"


def clean_email(raw: str) -> str:
    """A normalised, lower-cased address; ValueError with a readable reason otherwise."""
    raw = (raw or "").strip()
    if not raw:
        raise ValueError("the email is missing")
    if len(raw) > MAX_EMAIL:
        raise ValueError(f"the email is longer than {MAX_EMAIL} characters")
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValueError(f"“{raw}” is not an email address: {_why_not_an_address(raw)}") from None


def name_problems(first_name: str, last_name: str) -> list[str]:
    problems = []
    if not first_name.strip():
        problems.append("the first name is missing")
    if len(first_name) > MAX_NAME or len(last_name) > MAX_NAME:
        problems.append(f"a name is longer than {MAX_NAME} characters")
    return problems


def decode(data: bytes, encoding: str = "auto") -> str:
    """The file's text. Automatic: UTF-8 (with or without Excel's byte-order mark), else
    Windows-1252, what Excel writes for "CSV" on Windows; or the encoding the person chose."""
    return decode_as(data, encoding)[0]


def decode_as(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text and the name of the encoding it was read as."""
    if encoding not in ENCODINGS:
        raise CsvError("Choose one of the encodings offered.")
    if encoding in ("auto", "utf-8"):
        try:
            return data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError:
            if encoding == "utf-8":
                raise CsvError(
                    "The file is not UTF-8 text. Choose Windows-1252, or save it as "
                    "'CSV UTF-8' and upload again."
                ) from None
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise CsvError(
            "The file is neither UTF-8 nor Windows-1252 text. Save it as 'CSV UTF-8' and "
            "upload again."
        ) from None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(name.strip().lower())
        if key and key not in columns:
            columns[key] = index
    if "email" not in columns:
        raise NeedsMapping(header, "The header has no 'email' column: say which column is which.")
    if "first_name" not in columns and "name" not in columns:
        raise NeedsMapping(
            header, "The header has no 'first_name' (or 'name') column: say which one it is."
        )
    return columns


def mapped_columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Columns as the person mapped them (field -> column number as text, "" for none)."""
    columns: dict[str, int] = {}
    for key, raw in mapping.items():
        if key not in FIELDS or raw in ("", None):
            continue
        if not (raw.isascii() and raw.isdigit()) or int(raw) >= len(header):
            raise CsvError("Choose columns from the file.")
        if int(raw) in columns.values():
            raise CsvError("Each column can be used for one field only.")
        columns[key] = int(raw)
    if "email" not in columns:
        raise CsvError("Say which column holds the email.")
    if "first_name" not in columns and "name" not in columns:
        raise CsvError("Say which column holds the first name (or the full name).")
    return columns


def header_of(text: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text)))
    except (StopIteration, csv.Error):
        return []


def parse_csv(text: str, mapping: dict[str, str] | None = None) -> list[CsvRow]:
    """Every data row with its problems, in the file's order; duplicates within the file are
    problems too. `mapping` (from the mapping step) says which column is which."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("The file is empty.") from None
    except csv.Error as exc:
        raise CsvError(f"The file is not a readable CSV: {exc}") from None
    columns = mapped_columns(header, mapping) if mapping else _columns(header)
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
            row.errors.append(f"the same email as line {seen[row.email]} of this file")
        else:
            seen[row.email] = line
    row.errors.extend(name_problems(first, last))
    return row

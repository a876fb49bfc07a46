"""Compare a job's candidates on one assessment: rank by overall or any score, filter by status
and stage, the score distribution, and CSV export. A page is a fixed number of queries whatever
the job's size: rows come LIMIT/OFFSET from an index-backed order, totals in one aggregate."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from app import db
from app.candidates.stages import Stage
from app.errors import NotFound
from app.invitations.cards import MISSING_LABELS, candidate_name
from app.invitations.result_view import humanise, score_keys
from app.invitations.statuses import InvitationStatus

PAGE_SIZE = 50
EXPORT_BATCH = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    assessment_id: uuid.UUID | None = None
    sort: str = "overall"  # "overall" or a score key
    status: str = ""
    stage: str = ""
    page: int = 1


@dataclass
class Comparison:
    job: Any
    assessments: list[Any]
    assessment: Any | None
    filters: Filters
    score_keys: list[str] = field(default_factory=list)
    score_labels: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    buckets: list[tuple[float, int]] = field(default_factory=list)
    unscored: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_rank(self) -> int:
        return (self.filters.page - 1) * PAGE_SIZE + 1


def clean_filters(
    assessment: str | None, sort: str | None, status: str | None, stage: str | None, page: int
) -> Filters:
    """Unknown values fall back to defaults: a bad link still shows a useful table."""
    try:
        assessment_id = uuid.UUID(assessment) if assessment else None
    except ValueError:
        assessment_id = None
    sort = (sort or "overall").strip()
    if sort != "overall" and not sort.replace("_", "").isalnum():
        sort = "overall"
    return Filters(
        assessment_id=assessment_id,
        sort=sort[:100],
        status=status if status in InvitationStatus.values() else "",
        stage=stage if stage in Stage.values() else "",
        page=min(max(page, 1), 100_000),
    )


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """The filter as SQL over invitation i / application ap, parameters from $3 on."""
    sql, args = "", []
    if filters.status:
        args.append(filters.status)
        sql += f" AND i.status = ${len(args) + 2}"
    if filters.stage:
        args.append(filters.stage)
        sql += f" AND ap.stage = ${len(args) + 2}"
    return sql, args


def _order(sort: str, next_param: int) -> tuple[str, list[Any]]:
    if sort == "overall":
        return "i.overall_score DESC NULLS LAST, i.id", []
    value = f"(r.scores -> ${next_param} ->> 'value')::numeric"
    return f"{value} DESC NULLS LAST, i.overall_score DESC NULLS LAST, i.id", [sort]


ROW_SQL = """
    SELECT i.id, i.candidate_id, i.status, i.missing, i.overall_score, i.completed_at,
           c.first_name, c.last_name, c.email, c.erased_at, ap.stage, r.scores
    FROM invitation i
    JOIN candidate c ON c.id = i.candidate_id
    JOIN application ap ON ap.id = i.application_id
    LEFT JOIN assessment_result r ON r.invitation_id = i.id
    WHERE i.organisation_id = $1 AND i.assessment_id = $2
"""


def _row(r: Any) -> dict[str, Any]:
    scores = r["scores"] or {}
    values = {
        key: float(s["value"])
        for key, s in scores.items()
        if isinstance(s, dict) and s.get("value") is not None
    }
    return {
        "id": r["id"],
        "candidate_id": r["candidate_id"],
        "name": candidate_name(r["first_name"], r["last_name"], r["email"], r["erased_at"]),
        "first_name": "" if r["erased_at"] else r["first_name"],
        "last_name": "" if r["erased_at"] else r["last_name"],
        "email": "" if r["erased_at"] else r["email"],
        "stage": r["stage"],
        "status": r["status"],
        "missing": list(r["missing"] or []),
        "overall": None if r["overall_score"] is None else float(r["overall_score"]),
        "scores": values,
        "completed_at": r["completed_at"],
    }


async def _job_and_assessments(org: uuid.UUID, job_id: uuid.UUID) -> tuple[Any, list[Any]]:
    rows = await db.fetch(
        """SELECT j.id AS job_id, j.title AS job_title, j.status AS job_status,
                  a.id, a.title, a.provider, a.status
           FROM job j LEFT JOIN assessment a ON a.job_id = j.id AND a.status <> 'failed'
           WHERE j.id = $1 AND j.organisation_id = $2 ORDER BY a.created_at""",
        job_id,
        org,
    )
    if not rows:
        raise NotFound("No such job.")
    job = {"id": rows[0]["job_id"], "title": rows[0]["job_title"], "status": rows[0]["job_status"]}
    return job, [r for r in rows if r["id"] is not None]


async def compare(org: uuid.UUID, job_id: uuid.UUID, filters: Filters) -> Comparison:
    job, assessments = await _job_and_assessments(org, job_id)
    chosen = next((a for a in assessments if a["id"] == filters.assessment_id), None)
    chosen = chosen or (assessments[-1] if assessments else None)
    # an assessment that is not this job's falls back to the newest one, and links say so
    filters = replace(filters, assessment_id=chosen["id"] if chosen else None)
    result = Comparison(job, assessments, chosen, filters)
    if chosen is None:
        return result
    expected, optional = score_keys(chosen["provider"])
    result.score_keys = [*expected, *optional]
    result.score_labels = {k: humanise(k.removeprefix("language_")) for k in result.score_keys}
    if filters.sort != "overall" and filters.sort not in result.score_keys:
        filters = result.filters = Filters(**{**filters.__dict__, "sort": "overall"})
    where, args = _where(filters)
    order, order_args = _order(filters.sort, len(args) + 3)
    rows = await db.fetch(
        f"{ROW_SQL} {where} ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {(filters.page - 1) * PAGE_SIZE}",
        org,
        chosen["id"],
        *args,
        *order_args,
    )
    result.rows = [_row(r) for r in rows]
    # The application is joined only to filter by stage: without it the buckets come from
    # the invitations alone, with no join over every row of a large job.
    join = "JOIN application ap ON ap.id = i.application_id" if filters.stage else ""
    # least() ignores NULL (least(NULL, 9) is 9): an unscored invitation must stay NULL
    buckets = await db.fetch(
        f"""SELECT CASE WHEN i.overall_score IS NOT NULL
                   THEN least(greatest(floor(i.overall_score * 2)::int, 0), 9) END AS bucket,
                   count(*) AS n
            FROM invitation i {join}
            WHERE i.organisation_id = $1 AND i.assessment_id = $2 {where}
            GROUP BY 1""",
        org,
        chosen["id"],
        *args,
    )
    counts = {b["bucket"]: b["n"] for b in buckets}
    result.total = sum(counts.values())
    result.unscored = counts.pop(None, 0)
    result.buckets = [(i / 2, counts.get(i, 0)) for i in range(10)]
    return result


def neutralise(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


EXPORT_SQL = """
    SELECT i.id, i.candidate_id, i.status, i.missing, i.overall_score, i.completed_at,
           i.invited_at, c.first_name, c.last_name, c.email, c.phone, c.erased_at, ap.stage,
           r.scores, r.summary
    FROM invitation i
    JOIN candidate c ON c.id = i.candidate_id
    JOIN application ap ON ap.id = i.application_id
    LEFT JOIN assessment_result r ON r.invitation_id = i.id
    WHERE i.organisation_id = $1 AND i.assessment_id = $2
"""


def _when(moment: Any) -> str:
    """A date a spreadsheet shows as it is, in UTC (the header says so)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


async def _reported_keys(org: uuid.UUID, assessment_id: uuid.UUID, keys: list[str]) -> list[str]:
    """The score columns some candidate has a value in: no column stays empty throughout."""
    rows = await db.fetch(
        """SELECT DISTINCT e.key FROM invitation i
           JOIN assessment_result r ON r.invitation_id = i.id, jsonb_each(r.scores) AS e
           WHERE i.organisation_id = $1 AND i.assessment_id = $2
             AND jsonb_typeof(e.value) = 'object' AND e.value->>'value' IS NOT NULL""",
        org,
        assessment_id,
    )
    present = {r["key"] for r in rows}
    return [k for k in keys if k in present]


async def export_csv(org: uuid.UUID, comparison: Comparison, base_url: str) -> AsyncIterator[str]:
    """Every row of the filtered ranking, in batches, as CSV a spreadsheet opens as written:
    UTF-8 with a byte-order mark (Excel reads UTF-8 only with one), the columns a recruiter
    uses, readable dates, the rank filled in the order of the chosen sort."""
    out = io.StringIO()
    writer = csv.writer(out)
    assessment = comparison.assessment
    keys = await _reported_keys(org, assessment["id"], comparison.score_keys) if assessment else []
    writer.writerow(
        [
            "Rank",
            "First name",
            "Last name",
            "Email",
            "Phone",
            "Job",
            "Assessment",
            "Stage",
            "Status",
            "Overall",
            *(comparison.score_labels.get(k) or humanise(k) for k in keys),
            "Missing",
            "Summary",
            "Invited (UTC)",
            "Completed (UTC)",
            "Candidate page",
        ]
    )
    yield "\ufeff" + out.getvalue()
    if assessment is None:
        return
    filters = comparison.filters
    where, args = _where(filters)
    order, order_args = _order(filters.sort, len(args) + 3)
    job_title, assessment_title = comparison.job["title"], assessment["title"]
    offset = 0
    while True:
        rows = await db.fetch(
            f"{EXPORT_SQL} {where} ORDER BY {order} LIMIT {EXPORT_BATCH} OFFSET {offset}",
            org,
            assessment["id"],
            *args,
            *order_args,
        )
        out.seek(0)
        out.truncate()
        for n, raw in enumerate(rows, start=offset + 1):
            row = _row(raw)
            erased = raw["erased_at"] is not None
            cells: list[Any] = [n, row["first_name"], row["last_name"], row["email"]]
            cells += ["" if erased else raw["phone"], job_title, assessment_title]
            cells += [Stage(row["stage"]).label, InvitationStatus(row["status"]).label]
            cells.append(_number(row["overall"]))
            cells += [_number(row["scores"].get(k)) for k in keys]
            cells += ["; ".join(MISSING_LABELS.get(m, m) for m in row["missing"])]
            cells += ["" if erased else (raw["summary"] or "")]
            cells += [_when(raw["invited_at"]), _when(row["completed_at"])]
            cells.append(f"{base_url}/candidates/{row['candidate_id']}")
            writer.writerow([neutralise(c) for c in cells])
        yield out.getvalue()
        if len(rows) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH

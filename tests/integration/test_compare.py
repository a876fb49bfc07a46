"""The compare view: ranking with missing scores last, filters, pages, distribution, CSV
export with formulas neutralised, and 404 for other organisations."""

from __future__ import annotations

import csv
import io
import re

from app import db
from app.dashboard.compare import neutralise
from tests.conftest import login
from tests.dashboard_factories import (
    FULL_SCORES,
    make_assessment,
    make_invitation,
    set_result,
    set_status,
)


def _scores(skills: float | None) -> dict:
    scores = {k: v for k, v in FULL_SCORES.items() if k != "skills"}
    if skills is not None:
        scores["skills"] = {"value": skills, "scale": 5, "label": "Skills"}
    return scores


async def _job(account):
    assessment = await make_assessment(account.organisation_id)
    people = [
        ("Ana", 3.0, 4.5, "complete"),
        ("Ben", 4.5, 2.0, "complete"),
        ("Cy", None, None, "invited"),
        ("Dee", 4.0, None, "partial"),
    ]
    made = {}
    for name, overall, skills, status in people:
        inv = await make_invitation(assessment, first_name=name, last_name="Test")
        await set_status(
            inv, status, overall=overall, missing=["score: skills"] if status == "partial" else None
        )
        if status != "invited":
            await set_result(inv, scores=_scores(skills))
        made[name] = inv
    return assessment, made


def _names(html: str) -> list[str]:
    import re

    return re.findall(r"<strong>(\w+) Test</strong>", html)


async def test_rank_by_overall_and_by_a_score_with_missing_last(client, make_account):
    account = await make_account()
    assessment, _ = await _job(account)
    await login(client, account)
    page = await client.get(f"/jobs/{assessment.job_id}/compare")
    assert page.status_code == 200
    assert _names(page.text) == ["Ben", "Dee", "Ana", "Cy"]
    assert "Distribution of overall scores" in page.text

    page = await client.get(f"/jobs/{assessment.job_id}/compare?sort=skills")
    assert _names(page.text) == ["Ana", "Ben", "Dee", "Cy"]  # Dee has no skills score: after
    assert 'aria-sort="descending"' in page.text

    page = await client.get(
        f"/jobs/{assessment.job_id}/compare?status=complete&sort=nonsense&page=-3",
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="compare-results"')
    assert _names(page.text) == ["Ben", "Ana"]


async def test_pages_are_windows(client, make_account, monkeypatch):
    from app.dashboard import compare

    monkeypatch.setattr(compare, "PAGE_SIZE", 2)
    account = await make_account()
    assessment, _ = await _job(account)
    await login(client, account)
    first = await client.get(f"/jobs/{assessment.job_id}/compare?page=1")
    second = await client.get(f"/jobs/{assessment.job_id}/compare?page=2")
    assert _names(first.text) == ["Ben", "Dee"]
    assert _names(second.text) == ["Ana", "Cy"]
    assert "page 2 of 2" in second.text


async def test_csv_export_neutralises_formulas(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    inv = await make_invitation(
        assessment, first_name='=HYPERLINK("http://evil")', last_name="@SUM(A1)"
    )
    await set_status(inv, "complete", overall=4.0)
    await set_result(inv)
    await make_invitation(assessment, first_name="+1", last_name="-2")
    await login(client, account)
    response = await client.get(f"/jobs/{assessment.job_id}/compare.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # once, not twice
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert [r["First name"] for r in rows] == ['\'=HYPERLINK("http://evil")', "'+1"]
    assert [r["Last name"] for r in rows] == ["'@SUM(A1)", "'-2"]
    assert rows[0]["Rank"] == "1"
    assert rows[0]["Overall"] == "4"
    assert rows[0]["Skills"] == "3.5"
    assert rows[1]["Rank"] == "2"  # filled whatever the sort: the unscored come last
    assert rows[1]["Overall"] == ""
    assert neutralise("\tcmd") == "'\tcmd"
    assert neutralise("plain") == "plain"


async def test_other_organisations_compare_is_404(client, make_account):
    mine = await make_account(org_name="Mine")
    theirs = await make_account(org_name="Theirs")
    assessment = await make_assessment(theirs.organisation_id)
    await login(client, mine)
    for url in (f"/jobs/{assessment.job_id}/compare", f"/jobs/{assessment.job_id}/compare.csv"):
        assert (await client.get(url)).status_code == 404


async def test_csv_export_opens_as_written_in_a_spreadsheet(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    await db.fetch("UPDATE job SET title = 'Ingeniería García' WHERE id = $1", assessment.job_id)
    await db.fetch("UPDATE assessment SET title = 'Pantalla' WHERE id = $1", assessment.id)
    scored = await make_invitation(assessment, first_name="José", last_name="Núñez")
    await db.fetch(
        "UPDATE candidate SET phone = '+34 600 000 000' WHERE id = $1", scored.candidate_id
    )
    await set_status(scored, "complete", overall=4.0)
    core = {k: v for k, v in FULL_SCORES.items() if not k.startswith("language")}
    await set_result(scored, scores=core, summary="Claro y directo.")
    await make_invitation(assessment, first_name="Ana", last_name="Ruiz")
    await login(client, account)
    response = await client.get(f"/jobs/{assessment.job_id}/compare.csv?sort=skills")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel shows "García" right
    disposition = response.headers["content-disposition"]
    assert 'filename="ingenier-a-garc-a-candidates.csv"' in disposition
    assert "filename*=UTF-8''Ingenier%C3%ADa%20Garc%C3%ADa%20candidates.csv" in disposition
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    first, second = rows
    assert (first["First name"], first["Last name"]) == ("José", "Núñez")
    assert (first["Job"], first["Assessment"]) == ("Ingeniería García", "Pantalla")
    assert first["Phone"] == "'+34 600 000 000"  # a leading + would be a formula to Excel
    assert first["Summary"] == "Claro y directo."
    assert first["Stage"] == "Applied"
    assert first["Status"] == "Complete"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", first["Invited (UTC)"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", first["Completed (UTC)"])
    assert (first["Rank"], second["Rank"]) == ("1", "2")
    assert second["Completed (UTC)"] == ""
    header = list(first)
    assert "Language comprehension" not in header  # nobody has it: no always-empty column
    assert "Skills" in header


async def test_distribution_counts_unscored_candidates_apart(client, make_account):
    """Issue 17 bug 1: least() ignores NULL, so unscored invitations landed in the 4.5-5 bar."""
    from app.dashboard.compare import Filters, compare

    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    for n, overall in enumerate((1.0, 2.5, 3.0, 3.5, 4.0, 5.0)):
        inv = await make_invitation(assessment, first_name=f"S{n}", last_name="Test")
        await set_status(inv, "complete", overall=overall)
    for n in range(2):
        await make_invitation(assessment, first_name=f"U{n}", last_name="Test")

    result = await compare(account.organisation_id, assessment.job_id, Filters())
    assert result.total == 8
    assert result.unscored == 2
    assert dict(result.buckets) == {
        0.0: 0,
        0.5: 0,
        1.0: 1,
        1.5: 0,
        2.0: 0,
        2.5: 1,
        3.0: 1,
        3.5: 1,
        4.0: 1,
        4.5: 1,
    }

    await login(client, account)
    page = await client.get(f"/jobs/{assessment.job_id}/compare")
    assert "6 scored · 2 without a score yet" in page.text
    assert "4.5 to 5: 1." in page.text
    assert "Without a score: 2." in page.text

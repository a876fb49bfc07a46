"""Candidates from the dashboard: add one, CSV preview then import, stage moves, the
candidate page, and another organisation's ids answering 404."""

from __future__ import annotations

import html
import re

from app import db
from tests.conftest import csrf_token, form_post, login
from tests.integration.recruiting import fetch_one


async def _job(client, title="Data Analyst"):
    response = await form_post(client, "/jobs", {"title": title}, follow_redirects=False)
    return response.headers["location"].split("?")[0].rsplit("/", 1)[1]


async def _upload(client, job_id, content: bytes, name="people.csv", encoding="auto"):
    token = await csrf_token(client)
    return await client.post(
        f"/jobs/{job_id}/candidates/import",
        data={"_csrf_token": token, "encoding": encoding},
        files={"file": (name, content, "text/csv")},
    )


async def test_add_one_validates_and_reuses_existing_candidate(client, make_account):
    await login(client, await make_account())
    job_a, job_b = await _job(client, "A"), await _job(client, "B")
    ok = await form_post(
        client,
        f"/jobs/{job_a}/candidates",
        {"email": " Ada@Example.com ", "first_name": "Ada", "last_name": "Lovelace"},
        follow_redirects=False,
    )
    assert ok.status_code in (302, 303)
    bad = await form_post(
        client, f"/jobs/{job_a}/candidates", {"email": "not-an-email", "first_name": "X"}
    )
    assert bad.status_code == 400
    assert "is not an email address" in bad.text
    nul = await form_post(
        client, f"/jobs/{job_a}/candidates", {"email": "a\x00b@example.com", "first_name": "X"}
    )
    assert nul.status_code == 400
    nameless = await form_post(
        client, f"/jobs/{job_a}/candidates", {"email": "n@example.com", "first_name": " "}
    )
    assert nameless.status_code == 400
    assert "The first name is missing" in nameless.text
    again = await form_post(
        client, f"/jobs/{job_a}/candidates", {"email": "ada@example.com", "first_name": "Ada"}
    )
    assert again.status_code == 400
    assert "already a candidate" in again.text
    other_job = await form_post(
        client, f"/jobs/{job_b}/candidates", {"email": "ADA@example.com", "first_name": "Ada"}
    )
    assert other_job.status_code in (302, 303)
    assert await db.fetchval("SELECT count(*) FROM candidate") == 1
    assert await db.fetchval("SELECT count(*) FROM application") == 2
    assert await db.fetchval("SELECT email FROM candidate") == "ada@example.com"


CSV = (
    "\ufeffEmail,First Name,Last Name\r\n"
    "good1@example.com,Grace,Hopper\r\n"
    "bad-email,Bad,Email\r\n"
    'good2@example.com,=HYPERLINK("http://evil"),+SUM(A1)\r\n'
    "GOOD1@example.com,Dup,InFile\r\n"
    "already@example.com,Al,Ready\r\n"
    "noname@example.com,,\r\n"
    "\r\n"
    "good3@example.com,Émile,Zola\r\n"
).encode()


async def test_csv_preview_shows_row_errors_then_imports_only_good_rows(client, make_account):
    await login(client, await make_account())
    job_id = await _job(client)
    await form_post(
        client, f"/jobs/{job_id}/candidates", {"email": "already@example.com", "first_name": "Al"}
    )
    preview = await _upload(client, job_id, CSV)
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "3 ready to import" in text
    assert "4 with problems" in text
    assert "is not an email address: it has no @" in text  # words for people
    assert "The same email as line 2 of this file." in text
    assert "Already a candidate for this job." in text
    assert "The first name is missing." in text
    assert (
        "=HYPERLINK(&#34;http://evil&#34;)" in text or "=HYPERLINK(&quot;http://evil&quot;)" in text
    )
    # nothing saved by the preview
    assert await db.fetchval("SELECT count(*) FROM candidate") == 1

    csv_text = re.search(r'name="csv_text" value="([^"]*)"', text, re.S)
    assert csv_text is not None
    done = await form_post(
        client,
        f"/jobs/{job_id}/candidates/import/confirm",
        {"csv_text": html.unescape(csv_text.group(1))},
    )
    assert done.status_code == 200
    assert "3 candidates added" in done.text
    emails = {r["email"] for r in await db.fetch("SELECT email FROM candidate")}
    assert emails == {
        "already@example.com",
        "good1@example.com",
        "good2@example.com",
        "good3@example.com",
    }
    formula = await fetch_one(
        "SELECT first_name, last_name FROM candidate WHERE email = 'good2@example.com'"
    )
    assert formula["first_name"] == '=HYPERLINK("http://evil")'
    assert formula["last_name"] == "+SUM(A1)"
    assert await db.fetchval("SELECT count(*) FROM application WHERE job_id = $1", job_id) == 4
    # importing the same file again adds nobody
    again = await form_post(
        client,
        f"/jobs/{job_id}/candidates/import/confirm",
        {"csv_text": html.unescape(csv_text.group(1))},
    )
    assert "0 candidates added" in again.text


async def test_csv_whole_file_problems(client, make_account):
    await login(client, await make_account())
    job_id = await _job(client)
    forced = await _upload(
        client, job_id, "email,first_name\nzoe@x.com,Zoé\n".encode("cp1252"), encoding="utf-8"
    )
    assert forced.status_code == 400
    assert "not UTF-8" in forced.text
    odd = await _upload(
        client, job_id, b"email,first_name\nz@x.com,\x81\n", encoding="windows-1252"
    )
    assert odd.status_code == 400
    assert "neither UTF-8 nor Windows-1252" in odd.text
    empty = await _upload(client, job_id, b"")
    assert empty.status_code == 400
    too_many = "email,first_name\n" + "".join(f"p{i}@example.com,P\n" for i in range(5001))
    big = await _upload(client, job_id, too_many.encode())
    assert big.status_code == 400
    assert "5,000" in big.text
    assert await db.fetchval("SELECT count(*) FROM candidate") == 0


async def test_upload_over_20_mb_is_413(client, make_account):
    await login(client, await make_account())
    job_id = await _job(client)
    huge = b"email,first_name\n" + b"x" * (21 * 1024 * 1024)
    response = await _upload(client, job_id, huge)
    assert response.status_code == 413
    assert await db.fetchval("SELECT count(*) FROM candidate") == 0


async def test_stage_moves_and_candidate_page(client, make_account):
    await login(client, await make_account())
    job_id = await _job(client)
    await form_post(
        client,
        f"/jobs/{job_id}/candidates",
        {"email": "lin@example.com", "first_name": "<b>Lin</b>", "last_name": "Wu"},
    )
    candidate_id = await db.fetchval("SELECT id FROM candidate")
    token = await csrf_token(client)
    moved = await client.post(
        f"/jobs/{job_id}/candidates/{candidate_id}/stage",
        data={"stage": "shortlisted"},
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert moved.status_code == 200
    assert 'value="shortlisted" selected' in moved.text
    assert await db.fetchval("SELECT stage FROM application") == "shortlisted"
    wrong = await client.post(
        f"/jobs/{job_id}/candidates/{candidate_id}/stage",
        data={"stage": "promoted"},
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert wrong.status_code == 400
    page = await client.get(f"/candidates/{candidate_id}")
    assert page.status_code == 200
    assert "&lt;b&gt;Lin&lt;/b&gt;" in page.text
    assert "<b>Lin</b>" not in page.text
    assert "Not invited to any assessment yet" in page.text
    job_page = await client.get(f"/jobs/{job_id}")
    assert "&lt;b&gt;Lin&lt;/b&gt;" in job_page.text


async def test_another_organisations_candidates_are_404(client, make_account):
    await login(client, await make_account(org_name="Theirs"))
    job_id = await _job(client)
    await form_post(
        client, f"/jobs/{job_id}/candidates", {"email": "t@example.com", "first_name": "T"}
    )
    candidate_id = await db.fetchval("SELECT id FROM candidate")
    client.cookies.clear()
    await login(client, await make_account(org_name="Mine"))
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 404
    assert (await client.get(f"/jobs/{job_id}/candidates/import")).status_code == 404
    add = await form_post(
        client, f"/jobs/{job_id}/candidates", {"email": "x@example.com", "first_name": "X"}
    )
    assert add.status_code == 404
    assert (await _upload(client, job_id, b"email,first_name\na@b.co,A\n")).status_code == 404
    confirm = await form_post(
        client,
        f"/jobs/{job_id}/candidates/import/confirm",
        {"csv_text": "email,first_name\na@example.com,A\n"},
    )
    assert confirm.status_code == 404
    token = await csrf_token(client)
    stage = await client.post(
        f"/jobs/{job_id}/candidates/{candidate_id}/stage",
        data={"stage": "hired"},
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert stage.status_code == 404
    assert await db.fetchval("SELECT stage FROM application") == "applied"
    assert await db.fetchval("SELECT count(*) FROM candidate") == 1


async def test_an_excel_file_in_windows_1252_keeps_its_accents_and_order(client, make_account):
    await login(client, await make_account())
    job_id = await _job(client)
    data = "email,first_name\nzoe@example.com,Zoé\n"
    data += "jose@example.com,José\nbad-address,Ana\nals@example.com,Ålsa\n"
    preview = await _upload(client, job_id, data.encode("cp1252"))
    assert preview.status_code == 200, preview.text[:300]
    assert "Read as Windows-1252" in preview.text
    names = re.findall(r"<td>(Zoé|José|Ana|Ålsa)</td>", preview.text)
    assert names == ["Zoé", "José", "Ana", "Ålsa"]  # the file's order, problems in place
    assert "Lines with problems: 4." in preview.text


async def test_an_unknown_header_is_mapped_by_the_person(client, make_account):
    await login(client, await make_account())
    job_id = await _job(client)
    data = "Correo,Nombre,Apellido,Móvil\nana@example.com,Ana,Ruiz,+34 600\n".encode()
    asked = await _upload(client, job_id, data)
    assert asked.status_code == 200
    assert "Which column is which?" in asked.text
    assert "Correo (e.g. ana@example.com)" in asked.text
    csv_text = html.unescape(re.search(r'name="csv_text" value="([^"]*)"', asked.text).group(1))  # type: ignore[union-attr]
    url = f"/jobs/{job_id}/candidates/import/map"
    base = {"csv_text": csv_text, "encoding": "UTF-8"}
    missing = await form_post(client, url, {**base, "map_first_name": "1"})
    assert missing.status_code == 400
    assert "Say which column holds the email." in missing.text
    twice = await form_post(client, url, {**base, "map_email": "0", "map_first_name": "0"})
    assert "one field only" in twice.text
    mapped = {
        **base,
        "map_email": "0",
        "map_first_name": "1",
        "map_last_name": "2",
        "map_phone": "3",
    }
    preview = await form_post(client, url, mapped)
    assert preview.status_code == 200
    assert "1 ready to import" in preview.text
    assert "+34 600" in preview.text  # the phone shows in the preview
    assert 'name="map_email" value="0"' in preview.text
    confirm = {"csv_text": csv_text, **{k: v for k, v in mapped.items() if k.startswith("map_")}}
    done = await form_post(client, f"/jobs/{job_id}/candidates/import/confirm", confirm)
    assert "1 candidate added" in done.text
    row = await fetch_one("SELECT first_name, last_name, phone FROM candidate")
    assert tuple(row) == ("Ana", "Ruiz", "+34 600")

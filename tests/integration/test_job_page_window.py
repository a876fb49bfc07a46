"""The job page shows one window of candidates: pages of 50 newest first with working links,
search and filters, counts from aggregates, a query count that does not grow with the job,
and "Invite all not yet invited" still covering the whole job."""

from __future__ import annotations

import re
import uuid

from app import db
from app.dashboard.job_window import PAGE_SIZE
from tests.conftest import form_post, login
from tests.dashboard_factories import make_assessment, make_invitation, set_status

TIMING = re.compile(r'desc="(\d+) queries"')


async def _add_people(org: uuid.UUID, job_id: uuid.UUID, count: int, tag: str) -> None:
    """`count` candidates applied to the job, person 1 oldest (set-based, like the bench seed)."""
    await db.fetch(
        """WITH c AS (
             INSERT INTO candidate (organisation_id, email, first_name, last_name)
             SELECT $1, 'p' || g || '-' || $4 || '@example.com', 'Person' || g, $4
             FROM generate_series(1, $3) g RETURNING id, first_name
           )
           INSERT INTO application (organisation_id, job_id, candidate_id, created_at)
           SELECT $1, $2, id, now() - make_interval(secs => 100000 - substr(first_name, 7)::int)
           FROM c""",
        org,
        job_id,
        count,
        tag,
    )


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="candidate-([0-9a-f-]+)"', html)


def _queries(response) -> int:
    match = TIMING.search(response.headers["server-timing"])
    assert match, response.headers["server-timing"]
    return int(match.group(1))


async def test_pages_of_fifty_newest_first_with_links(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    await _add_people(account.organisation_id, assessment.job_id, 120, "Window")
    await login(client, account)

    first = await client.get(f"/jobs/{assessment.job_id}")
    assert first.status_code == 200
    assert len(_rows(first.text)) == PAGE_SIZE
    assert "Person120 Window" in first.text
    assert "Person71 Window" in first.text
    assert "Person70 Window" not in first.text
    assert "Showing 1–50 of 120 candidates" in first.text
    assert "Page 1 of 3" in first.text
    assert f'href="/jobs/{assessment.job_id}?page=2" rel="next"' in first.text

    last = await client.get(f"/jobs/{assessment.job_id}?page=3")
    assert len(_rows(last.text)) == 20
    assert "Person1 Window" in last.text
    assert "Person21 Window" not in last.text
    assert 'rel="prev"' in last.text
    assert 'rel="next"' not in last.text
    assert set(_rows(first.text)).isdisjoint(_rows(last.text))

    # A page past the end shows the last one; nonsense is page 1, never an error.
    assert _rows((await client.get(f"/jobs/{assessment.job_id}?page=99")).text) == _rows(last.text)
    for bad in ("abc", "-3", "0", "1e9"):
        response = await client.get(f"/jobs/{assessment.job_id}?page={bad}")
        assert response.status_code == 200
        assert len(_rows(response.text)) == PAGE_SIZE


async def test_search_and_filters_keep_their_links(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    job_id = assessment.job_id
    await _add_people(account.organisation_id, job_id, 60, "Crowd")
    grace = await make_invitation(assessment, first_name="Grace", last_name="Hopper")
    alan = await make_invitation(assessment, first_name="Alan", last_name="Turing")
    await set_status(grace, "complete", overall=4.5)
    await db.fetch(
        "UPDATE application SET stage = 'shortlisted' WHERE candidate_id = $1", alan.candidate_id
    )
    await login(client, account)

    found = await client.get(f"/jobs/{job_id}", params={"q": "hopp"})
    assert _rows(found.text) == [str(grace.candidate_id)]
    assert "Showing 1–1 of 1 matching candidate" in found.text
    assert _rows((await client.get(f"/jobs/{job_id}", params={"q": grace.email})).text) == [
        str(grace.candidate_id)
    ]
    assert _rows((await client.get(f"/jobs/{job_id}", params={"q": "grace hopper"})).text)
    # LIKE wildcards are plain characters.
    nothing = await client.get(f"/jobs/{job_id}", params={"q": "%_"})
    assert _rows(nothing.text) == []
    assert "No candidate matches these filters." in nothing.text

    stage = await client.get(f"/jobs/{job_id}", params={"stage": "shortlisted"})
    assert _rows(stage.text) == [str(alan.candidate_id)]
    assert "Shortlisted (1)" in stage.text
    complete = await client.get(f"/jobs/{job_id}", params={"status": "complete"})
    assert _rows(complete.text) == [str(grace.candidate_id)]
    assert "Complete (1)" in complete.text
    not_invited = await client.get(f"/jobs/{job_id}", params={"status": "not_invited"})
    assert "Showing 1–50 of 60 matching candidates" in not_invited.text
    assert str(grace.candidate_id) not in _rows(not_invited.text)
    assert f'href="/jobs/{job_id}?status=not_invited&amp;page=2"' in not_invited.text
    # Unknown filter values are ignored, not errors.
    odd = await client.get(f"/jobs/{job_id}", params={"stage": "boss", "status": "x\x00"})
    assert odd.status_code == 200
    assert len(_rows(odd.text)) == PAGE_SIZE


async def test_query_count_does_not_grow_with_the_job(client, make_account):
    account = await make_account()
    small = await make_assessment(account.organisation_id)
    big = await make_assessment(account.organisation_id)
    for assessment, extra in ((small, 0), (big, 150)):
        for n in range(3):
            inv = await make_invitation(assessment, first_name=f"Inv{n}")
            await set_status(inv, "complete", overall=3.0)
        await _add_people(account.organisation_id, assessment.job_id, extra, f"Big{extra}")
        await db.fetch(
            """INSERT INTO invitation (organisation_id, assessment_id, application_id,
                   candidate_id, job_id, status)
               SELECT ap.organisation_id, $2, ap.id, ap.candidate_id, ap.job_id, 'invited'
               FROM application ap WHERE ap.job_id = $1
               ON CONFLICT DO NOTHING""",
            assessment.job_id,
            assessment.id,
        )
    await login(client, account)
    counts = set()
    for assessment in (small, big):
        for query in ("", "?q=Person", "?status=complete", "?page=3"):
            response = await client.get(f"/jobs/{assessment.job_id}{query}")
            assert response.status_code == 200
            counts.add((query != "" and query != "?page=3", _queries(response)))
    # Same window, same queries: a filtered page adds one count, nothing grows with the rows.
    assert len({q for filtered, q in counts if not filtered}) == 1
    assert len({q for filtered, q in counts if filtered}) == 1


async def test_invite_all_covers_every_page(client, make_account):
    account = await make_account()
    assessment = await make_assessment(account.organisation_id)
    await _add_people(account.organisation_id, assessment.job_id, 75, "All")
    already = await make_invitation(assessment, first_name="Already")
    await login(client, account)
    page = await client.get(f"/jobs/{assessment.job_id}")
    assert "1 of 76 invited" in page.text
    assert "covers every candidate of this job" in page.text

    response = await form_post(
        client,
        f"/jobs/{assessment.job_id}/invitations",
        {"assessment_id": str(assessment.id), "mode": "all"},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303)
    invited = await db.fetchval(
        "SELECT count(*) FROM invitation WHERE assessment_id = $1", assessment.id
    )
    assert invited == 76
    assert (
        await db.fetchval(
            "SELECT count(*) FROM invitation WHERE candidate_id = $1", already.candidate_id
        )
        == 1
    )
    after = await client.get(f"/jobs/{assessment.job_id}?page=2")
    assert "76 of 76 invited" in after.text
    assert "Not invited</span>" not in after.text

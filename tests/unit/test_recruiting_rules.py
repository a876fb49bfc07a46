"""Pure rules of the recruiter side: CSV rows, question edits, SMTP URLs, email rendering."""

from __future__ import annotations

import pytest

from app.assessments.routes import apply_question_op, first_invalid, focus_after
from app.assessments.service import AssessmentInput, AssessmentInputError
from app.candidates.csv_import import CsvError, parse_csv
from app.emails.service import render
from app.mail.smtp import parse_smtp_url


def test_csv_rows_and_their_problems():
    rows = parse_csv(
        "Name,E-mail\nAda Lovelace,ADA@example.com\n,b@example.com\nAda L,ada@example.com\n"
    )
    assert (rows[0].first_name, rows[0].last_name, rows[0].email) == (
        "Ada",
        "Lovelace",
        "ada@example.com",
    )
    assert rows[0].ok
    assert rows[1].errors == ["the first name is missing"]
    assert rows[2].errors == ["the same email as line 2 of this file"]
    with pytest.raises(CsvError, match="header"):
        parse_csv("first_name\nAda\n")
    with pytest.raises(CsvError, match="no candidates"):
        parse_csv("email,first_name\n\n")


def test_question_edits():
    assert apply_question_op(["a", "b", "c"], "up:1") == ["b", "a", "c"]
    assert apply_question_op(["a", "b", "c"], "down:2") == ["a", "b", "c"]
    assert apply_question_op(["a"], "remove:0") == [""]
    assert apply_question_op(["a"], "nonsense") == ["a"]
    assert len(apply_question_op(["q"] * 30, "add")) == 30


def test_focus_follows_the_moved_question():
    three = ["a", "b", "c"]
    assert focus_after("up:2", three) == "up:1"  # moved to 2nd: its up button again
    assert focus_after("up:1", three) == "down:0"  # now first: up is disabled, so down
    assert focus_after("down:0", three) == "down:1"
    assert focus_after("down:1", three) == "up:2"  # now last: down is disabled, so up
    assert focus_after("remove:2", ["a", "b"]) == "text:1"  # the question now in its place
    assert focus_after("add", [*three, ""]) == "text:3"
    assert focus_after("up:0", three) == ""
    assert focus_after("nonsense", three) == ""
    assert first_invalid({"language": "x", "title": "y"}, {}) == "title"
    assert first_invalid({"questions": "x", "language": "y"}, {2: "x", 1: "y"}) == "text:1"


def test_assessment_input_rules():
    ok = AssessmentInput(" T ", [" Why? "]).cleaned()
    assert (ok.title, ok.questions) == ("T", ["Why?"])
    with pytest.raises(AssessmentInputError) as caught:
        AssessmentInput("", [], language="xx").cleaned()
    assert set(caught.value.errors) == {"title", "questions", "language"}


def test_smtp_urls():
    plain = parse_smtp_url("smtp://user%40x:p%3Ass@mail.example:2525")
    assert (plain.hostname, plain.port, plain.username, plain.password) == (
        "mail.example",
        2525,
        "user@x",
        "p:ss",
    )
    assert plain.start_tls is True  # credentials: STARTTLS required, never cleartext
    assert not plain.use_tls
    assert parse_smtp_url("smtps://mail.example").port == 465
    assert parse_smtp_url("smtp+starttls://mail.example").start_tls is True
    with pytest.raises(ValueError, match="SMTP_URL"):
        parse_smtp_url("http://mail.example")


def test_email_escapes_names_in_html_only_and_keeps_subject_on_one_line():
    subject, text, html = render(
        "invite",
        {
            "first_name": "<b>Zoë</b>",
            "job_title": "QA\nLead",
            "org_name": "A&B",
            "link": "https://x/i?a=1&b=2",
        },
    )
    assert subject == "Your video interview for QA Lead at A&B"
    assert "<b>Zoë</b>" in text
    assert "https://x/i?a=1&b=2" in text
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in html
    assert 'href="https://x/i?a=1&amp;b=2"' in html

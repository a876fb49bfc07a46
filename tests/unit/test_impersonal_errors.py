"""Error texts from providers and mail servers lose the candidate's email and names."""

from app.text import impersonal


def test_email_and_names_are_replaced_whole_and_in_any_case() -> None:
    text = "Ribbon refused the request: interviewee_email ADA@Example.com taken by Ada Lovelace"
    assert impersonal(text, "ada@example.com", ("Ada", "Lovelace")) == (
        "Ribbon refused the request: interviewee_email the candidate's address taken by "
        "the candidate the candidate"
    )


def test_other_words_are_left_alone() -> None:
    text = "550 <jo.ada@example.com>, adam@example.com: Adamant refusal for Adam"
    assert impersonal(text, "ada@example.com", ("Ada", "")) == text
    assert impersonal("no names here", "", ()) == "no names here"

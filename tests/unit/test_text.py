"""Names and titles lose the characters that reorder or hide text (pure functions)."""

from __future__ import annotations

from app.text import clean, for_display, lines, one_line

RLO, LRI, PDI, ZWSP = "\u202e", "\u2066", "\u2069", "\u200b"


def test_one_line_drops_controls_and_direction_marks_and_flattens_lines():
    assert one_line(f"  Ada{RLO}gpj.exe\x00\x07 {ZWSP}Love\tlace\n ") == "Adagpj.exe Love lace"
    assert one_line(f"{LRI}{PDI}\u2060\ufeff") == ""
    # joiners and plain direction marks are parts of real names (Persian, Hindi, Hebrew)
    assert (
        one_line("\u0645\u06cc\u200c\u0631\u0627 \u200fx")
        == "\u0645\u06cc\u200c\u0631\u0627 \u200fx"
    )
    assert one_line(None) == ""


def test_lines_keep_line_breaks_and_tabs():
    assert lines(f"First\r\nSecond{RLO}\n\tthird\x1b[31m") == "First\nSecond\n\tthird[31m"


def test_what_is_displayed_keeps_everything_else():
    text = "Zoë Ünal – 李雷 🙂 O'Brien <b>"
    assert for_display(text) == text
    assert for_display(f" a{RLO}b ") == " ab "


def test_exact_drops_only_nul_and_keeps_the_rest_as_typed():
    assert clean(" pass\x00 word\t\n ", "exact") == " pass word\t\n "
    assert clean(f"{RLO}x", "exact") == f"{RLO}x"  # matched, never shown: nothing else goes
    assert clean(None, "exact") == ""


def test_words_makes_one_spaced_line_of_any_whitespace():
    assert clean(" Ada\x00\r\n  Love\u2028lace\t", "words") == "Ada Love lace"
    assert clean("Subject\nBcc: x@example.com", "words") == "Subject Bcc: x@example.com"


def test_line_and_lines_are_what_one_line_and_lines_do():
    value = f" a{RLO}\tb\r\nc "
    assert clean(value) == clean(value, "line") == one_line(value) == "a b c"
    assert clean(value, "lines") == lines(value) == "a\tb\nc"


def test_limit_cuts_after_cleaning():
    assert clean("\x00" * 5 + "abcdef", "exact", 3) == "abc"
    assert clean("  a   b  c", "words", 3) == "a b"
    assert clean(None, "line", 3) == ""

"""The pure parts of "every invitation reaches an end": what is still expected, what is
unavailable, and the provider adapter's words for it."""

from __future__ import annotations

import datetime as dt

from app.invitations.waits import settled_items, split
from app.providers.registry import settling_event_types
from app.providers.ribbon.webhooks import RibbonWebhooks

ADAPTER = RibbonWebhooks()
NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


def test_unavailable_items_are_not_expected_and_arrivals_leave_the_list():
    assert split(["video", "summary"], []) == (["video", "summary"], [])
    assert split(["video", "summary"], ["video"]) == (["summary"], ["video"])
    # the video arrived: nothing is missing, so nothing is unavailable any more
    assert split([], ["video"]) == ([], [])
    assert split(["score: motivation"], ["video", "score: motivation"]) == (
        [],
        ["score: motivation"],
    )


def test_ribbon_says_what_will_not_come_in_its_own_words():
    assert ADAPTER.unavailable_label("video") == "no video recorded"
    assert ADAPTER.unavailable_label("score: motivation") == "motivation not scored"
    assert ADAPTER.unavailable_label("summary") == "no summary written"
    assert ADAPTER.is_media("video")
    assert not ADAPTER.is_media("summary")
    assert ADAPTER.settled_by("video_processed") == ("video",)
    assert ADAPTER.settled_by("interview_processed") == ()
    assert settling_event_types() == ("video_processed",)


def test_each_item_waits_for_its_own_deadline():
    row = {
        "missing": ["video", "summary"],
        "video_due_at": NOW - dt.timedelta(seconds=1),
        "results_due_at": NOW + dt.timedelta(hours=1),
        "settling_events": [],
    }
    assert settled_items(row, ADAPTER, NOW) == ["video"]
    assert settled_items({**row, "video_due_at": None}, ADAPTER, NOW) == []
    said = {
        **row,
        "video_due_at": NOW + dt.timedelta(hours=1),
        "settling_events": ["video_processed"],
    }
    assert settled_items(said, ADAPTER, NOW) == ["video"]

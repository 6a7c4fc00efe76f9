"""The day's pick: a pure function of date, library, pins and the teaching rule, stable as the library
grows and as lessons are left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessons.calendar import Calendar, Schedules
from lessons.catalog import Catalog, CatalogConfig, UnknownLesson
from lessons.lesson import Lesson, lessons_of
from lessons.library import Library
from lessons.post import Paragraph, Post, Series
from lessons.sizing import LessonSizing

START = dt.date(2026, 11, 1)
TEXT = "One builder sentence here. Another builder sentence there. A third one to teach. And a fourth."


def make_post(number: int, added: dt.date = START, series: Series | None = None) -> Post:
    return Post(
        id=(series and f"{series.id}-p{series.part:02d}") or f"x-{number}",
        kind="talk" if series else "post",
        author="Andrej Karpathy",
        date=dt.date(2024, 1, 1),
        source=f"https://x.com/karpathy/status/{number}",
        added=added,
        series=series,
        paragraphs=(Paragraph(en=f"{TEXT} Post {number}.", zh="译文。"),),
    )


def lessons(posts: list[Post]) -> list[Lesson]:
    return [lesson for post in posts for lesson in lessons_of(post, LessonSizing(), 200)]


def all_but(*lesson_ids: str) -> Schedules:
    """A rule that schedules every lesson except these."""
    return lambda lesson: lesson.id not in lesson_ids


def schedule(calendar: Calendar, days: int) -> list[str]:
    return [day.lesson.id for day in calendar.days(START, START + dt.timedelta(days=days - 1))]


def test_same_inputs_give_the_same_days() -> None:
    posts = [make_post(n) for n in range(10)]
    assert schedule(Calendar(lessons(posts), START, {}), 30) == schedule(
        Calendar(lessons(posts), START, {}), 30
    )


def test_every_lesson_is_used_once_before_any_repeats() -> None:
    calendar = Calendar(lessons([make_post(n) for n in range(7)]), START, {})
    days = schedule(calendar, 21)
    assert sorted(days[:7]) == sorted(f"x-{n}" for n in range(7))
    assert days[7:14] == days[:7] == days[14:21]


def test_adding_posts_never_changes_past_days() -> None:
    old = [make_post(n) for n in range(5)]
    before = schedule(Calendar(lessons(old), START, {}), 8)
    today = START + dt.timedelta(days=8)
    grown = old + [make_post(100 + n, added=today) for n in range(3)]
    after = schedule(Calendar(lessons(grown), START, {}), 12)
    assert after[:8] == before
    assert sorted(after[8:11]) == ["x-100", "x-101", "x-102"]


def test_new_posts_come_before_repeats_of_old_ones() -> None:
    old = [make_post(n) for n in range(3)]
    added = START + dt.timedelta(days=5)
    calendar = Calendar(lessons([*old, make_post(9, added=added)]), START, {})
    days = schedule(calendar, 7)
    assert days[5] == "x-9"
    assert days.count("x-9") == 1


def test_parts_of_a_series_go_out_on_consecutive_days_in_order() -> None:
    parts = [
        make_post(50 + n, series=Series(id="talk-demo", title="Demo", part=n, parts=3)) for n in (1, 2, 3)
    ]
    calendar = Calendar(lessons([*parts, make_post(1), make_post(2)]), START, {})
    days = schedule(calendar, 5)
    first = days.index("talk-demo-p01")
    assert days[first : first + 3] == ["talk-demo-p01", "talk-demo-p02", "talk-demo-p03"]


def test_a_pin_takes_its_day_and_the_queue_goes_on_after_it() -> None:
    posts = [make_post(n) for n in range(6)]
    unpinned = schedule(Calendar(lessons(posts), START, {}), 6)
    pinned_day = START + dt.timedelta(days=2)
    pinned_lesson = unpinned[5]
    calendar = Calendar(lessons(posts), START, {pinned_day: pinned_lesson})
    days = schedule(calendar, 6)
    assert days[2] == pinned_lesson
    assert calendar.lesson_for(pinned_day).pinned
    assert days[:2] == unpinned[:2]
    assert sorted(days) == sorted(unpinned)


def test_no_lesson_before_the_start_or_from_an_empty_library() -> None:
    assert Calendar(lessons([make_post(1)]), START, {}).lesson_for(START - dt.timedelta(days=1)) is None
    assert Calendar([], START, {}).lesson_for(START) is None


def test_an_unscheduled_lesson_gives_its_day_to_the_last_fresh_post_and_no_other_day_moves() -> None:
    posts = [make_post(n) for n in range(10)]
    before = schedule(Calendar(lessons(posts), START, {}), 10)
    dropped = before[3]
    calendar = Calendar(lessons(posts), START, {}, all_but(dropped))
    after = schedule(calendar, 30)
    assert after[3] == before[9], "the hole is filled by the last post of the queue"
    assert after[:3] == before[:3] and after[4:9] == before[4:9]
    assert dropped not in after, "not in its turn, and not in repeats"
    assert sorted(after[:9]) == sorted(set(before) - {dropped})
    assert after[9:18] == after[18:27] == [lesson for lesson in before if lesson != dropped], "repeats"


def test_a_posts_scheduled_parts_stay_consecutive_and_its_hole_is_filled_after_them() -> None:
    parts = [
        make_post(50 + n, series=Series(id="talk-demo", title="Demo", part=n, parts=3)) for n in (1, 2, 3)
    ]
    others = [make_post(n) for n in range(4)]
    before = schedule(Calendar(lessons([*parts, *others]), START, {}), 7)
    after = schedule(Calendar(lessons([*parts, *others]), START, {}, all_but("talk-demo-p02")), 7)
    first = after.index("talk-demo-p01")
    assert after[first : first + 2] == ["talk-demo-p01", "talk-demo-p03"]
    assert after[first + 2] not in parts and "talk-demo-p02" not in after
    assert after[:first] == before[:first]


def test_adding_posts_never_changes_past_days_with_lessons_left_out() -> None:
    old = [make_post(n) for n in range(6)]
    rule = all_but("x-2", "x-101")
    before = schedule(Calendar(lessons(old), START, {}, rule), 8)
    today = START + dt.timedelta(days=8)
    grown = old + [make_post(100 + n, added=today) for n in range(3)]
    after = schedule(Calendar(lessons(grown), START, {}, rule), 12)
    assert after[:8] == before
    assert "x-101" not in after


def test_a_pin_is_kept_even_for_a_lesson_the_rule_leaves_out() -> None:
    posts = [make_post(n) for n in range(4)]
    day = START + dt.timedelta(days=2)
    calendar = Calendar(lessons(posts), START, {day: "x-1"}, all_but("x-1"))
    assert (calendar.lesson_for(day).lesson.id, calendar.lesson_for(day).pinned) == ("x-1", True)
    assert schedule(calendar, 8).count("x-1") == 1


def test_no_lesson_when_none_is_worth_a_day() -> None:
    calendar = Calendar(lessons([make_post(n) for n in range(3)]), START, {}, lambda lesson: False)
    assert calendar.lesson_for(START) is None
    assert calendar.lesson_for(START + dt.timedelta(days=5)) is None


CHAPTERS = "\n".join(f"00:{minute:02d}:00 part {minute} of the video on tokenization" for minute in range(8))


def test_the_catalog_leaves_a_chapter_list_off_the_calendar_but_keeps_it_readable(tmp_path: Path) -> None:
    library = Library.load(tmp_path / "library")
    for n in range(3):
        library.save(make_post(n))
    library.save(make_post(9).model_copy(update={"paragraphs": (Paragraph(en=CHAPTERS),)}))
    catalog = Catalog.open(CatalogConfig(tmp_path / "library", tmp_path / "pins.toml", START))
    assert {day.lesson.id for day in catalog.calendar.days(START, START + dt.timedelta(days=9))} == {
        "x-0",
        "x-1",
        "x-2",
    }
    assert catalog.lesson("x-9").paragraphs[0].en == CHAPTERS
    assert "时间戳 timestamps" in (catalog.teaching.reason(catalog.lesson("x-9")) or "")


def catalog(tmp_path: Path) -> Catalog:
    library = Library.load(tmp_path / "library")
    for n in range(4):
        library.save(make_post(n))
    return Catalog.open(CatalogConfig(tmp_path / "library", tmp_path / "pins.toml", START))


def test_pins_are_saved_and_past_days_cannot_be_pinned(tmp_path: Path) -> None:
    today = START + dt.timedelta(days=3)
    catalog(tmp_path).pin(today + dt.timedelta(days=1), "x-2", today)
    reopened = catalog(tmp_path)
    assert reopened.day(today + dt.timedelta(days=1)).lesson.id == "x-2"
    with pytest.raises(ValueError, match="past"):
        reopened.pin(today - dt.timedelta(days=1), "x-1", today)
    with pytest.raises(UnknownLesson):
        reopened.pin(today, "x-404", today)
    assert reopened.unpin(today + dt.timedelta(days=1), today)
    assert catalog(tmp_path).pins == {}


def test_archive_lists_past_days_newest_first(tmp_path: Path) -> None:
    today = START + dt.timedelta(days=5)
    archive = catalog(tmp_path).archive(today)
    assert [day.date for day in archive] == [today - dt.timedelta(days=n) for n in range(6)]
    assert len(catalog(tmp_path).archive(today, days=2)) == 2

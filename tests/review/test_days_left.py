"""Days of new lessons left: the days after today whose lesson no earlier day had, from the library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from lessons.following.days_left import days_left, first_day, joining_day
from lessons.library import Library
from lessons.pins import save_pins
from lessons.post import Paragraph, Post

START = dt.date(2026, 11, 1)
TEXT = "One builder sentence here. Another builder sentence there. A third one to teach. And a fourth."
CHAPTERS = "00:00 intro\n00:31 the forward pass\n04:12 the loss\n09:40 sampling\n12:05 wrap-up"


def post(number: int, added: dt.date = START, text: str = TEXT) -> Post:
    return Post(
        id=f"x-{number}",
        kind="post",
        author="Andrej Karpathy",
        date=dt.date(2024, 1, 1),
        source=f"https://x.com/karpathy/status/{number}",
        added=added,
        paragraphs=(Paragraph(en=f"{text} Post {number}." if text == TEXT else text, zh="译文。"),),
    )


def catalog(
    tmp_path: Path, builder: DeckBuilder, posts: list[Post], pins: dict[dt.date, str] | None = None
) -> Catalog:
    library = Library.load(tmp_path / "library")
    for item in posts:
        library.save(item)
    save_pins(tmp_path / "pins.toml", pins or {})
    config = CatalogConfig(tmp_path / "library", tmp_path / "pins.toml", START)
    return Catalog(config, Library.load(tmp_path / "library"), builder.dictionary)


def test_only_fresh_days_after_today_count(tmp_path: Path, builder: DeckBuilder) -> None:
    five = catalog(tmp_path, builder, [post(n) for n in range(5)])  # fresh on 11-01 … 11-05
    assert (days_left(five, START).days, days_left(five, START).last) == (4, dt.date(2026, 11, 5))
    assert days_left(five, dt.date(2026, 11, 2)).days == 3  # today's lesson is not "left"
    gone = days_left(five, dt.date(2026, 11, 5))
    assert (gone.days, gone.last) == (0, None)  # from tomorrow the calendar repeats
    assert days_left(five, dt.date(2026, 12, 25)).days == 0
    assert days_left(five, dt.date(2026, 10, 1)).days == 5  # before the calendar starts: all of them
    assert days_left(five, START).label == "新课还剩 4 天（到 2026-11-05） · 4 days of new lessons left"
    assert days_left(five, START).line(14).endswith("⚠️ 不足 14 天 fewer than 14")


def test_a_lesson_not_worth_a_day_and_a_pin_of_an_old_lesson_do_not_count(
    tmp_path: Path, builder: DeckBuilder
) -> None:
    posts = [post(n) for n in range(5)] + [post(99, text=CHAPTERS)]
    today = dt.date(2026, 11, 2)
    plain = catalog(tmp_path / "plain", builder, posts)
    shown = plain.day(START)
    assert shown is not None and plain.teaching.reason(plain.lesson("x-99")) is not None
    assert days_left(plain, today).days == 3  # x-99 never gets a day
    old_pin = catalog(tmp_path / "pinned", builder, posts, {dt.date(2026, 11, 3): shown.lesson.id})
    left = days_left(old_pin, today)
    assert (left.days, left.last) == (3, dt.date(2026, 11, 6))  # the pinned day repeats; the rest move on


def test_a_post_joining_the_library_later_counts_once_it_is_there(
    tmp_path: Path, builder: DeckBuilder
) -> None:
    later = dt.date(2026, 11, 10)
    grown = catalog(tmp_path, builder, [post(n) for n in range(3)] + [post(50, added=later)])
    left = days_left(grown, START)
    assert (left.days, left.last) == (3, later)  # 11-02, 11-03, then repeats until x-50 joins
    assert first_day(grown, "x-50", START) == later
    assert first_day(grown, "x-404", START) is None


def test_an_approved_post_joins_on_the_first_day_no_one_has_begun() -> None:
    today = dt.date(2026, 11, 3)
    morning = dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai, 15:00 in Kiribati
    evening = dt.datetime(2026, 11, 3, 13, 0, tzinfo=dt.UTC)  # 21:00 in Shanghai, 11-04 03:00 in Kiribati
    assert joining_day(today, morning) == dt.date(2026, 11, 4)
    assert joining_day(today, evening) == dt.date(2026, 11, 5)

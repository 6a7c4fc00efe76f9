"""A reload asked of one worker reaches the others: each `LibraryWatch` follows the newest generation."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.admin.library import LibraryWatch, announce, reload_everywhere
from bot.core.shelf import LessonShelf
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests.adapters.telegram_harness import write_post
from tests.chat_support import CALENDAR_START

Sessions = Callable[[], Session]
TEXT = "One sentence here. Another one follows it. And a third one ends the post for good."
CLOCK = FixedClock(dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC))


def shelf_over(library: Path, pins: Path, builder: DeckBuilder) -> LessonShelf:
    return LessonShelf(Catalog.open(CatalogConfig(library, pins, CALENDAR_START)), builder)


async def test_another_worker_follows_a_reload_and_a_broken_one_is_not_retried(
    sessions: Sessions, tmp_path: Path, builder: DeckBuilder
) -> None:
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    library.mkdir()
    write_post(library, "x-1", [(TEXT, "一句。两句。三句。")])
    asked, other = shelf_over(library, pins, builder), shelf_over(library, pins, builder)
    watch = LibraryWatch(other, sessions, every=3600)
    await watch.start()
    try:
        assert other.generation == 0 and not await watch.check()

        write_post(library, "x-2", [(TEXT, "一句。两句。三句。")], date="2025-01-04")
        reloaded = await reload_everywhere(asked, sessions, CLOCK, by="telegram:1", reason="reload")
        assert (reloaded.generation, reloaded.before, reloaded.lessons) == (1, 1, 2)
        assert set(other.catalog.lessons) == {"x-1"}
        assert await watch.check()
        assert set(other.catalog.lessons) == {"x-1", "x-2"} and other.generation == 1
        assert not await watch.check()  # nothing newer

        pins.write_text("[pins]\n2026-11-30 = 5\n", encoding="utf-8")
        assert await announce(sessions, CLOCK, by="cli", reason="reload") == 2
        assert not await watch.check()  # it cannot read it: keeps what it has
        assert other.generation == 1 and set(other.catalog.lessons) == {"x-1", "x-2"}
        pins.write_text('[pins]\n2026-11-30 = "x-2"\n', encoding="utf-8")
        assert not await watch.check()  # not generation 2 again, however often it looks
        assert await announce(sessions, CLOCK, by="cli", reason="pin 2026-11-30 x-2") == 3
        assert await watch.check()
        assert other.day(dt.date(2026, 11, 30)).lesson.id == "x-2"  # type: ignore[union-attr]
    finally:
        await watch.stop()


async def test_a_worker_starting_after_a_reload_takes_its_generation_without_reading_again(
    sessions: Sessions, tmp_path: Path, builder: DeckBuilder
) -> None:
    library = tmp_path / "library"
    library.mkdir()
    write_post(library, "x-1", [(TEXT, "一句。两句。三句。")])
    await announce(sessions, CLOCK, by="cli", reason="reload")
    shelf = shelf_over(library, tmp_path / "pins.toml", builder)
    catalog = shelf.catalog
    watch = LibraryWatch(shelf, sessions, every=0.01)
    await watch.start()
    try:
        assert shelf.generation == 1 and shelf.catalog is catalog
        write_post(library, "x-2", [(TEXT, "一句。两句。三句。")], date="2025-01-04")
        await announce(sessions, CLOCK, by="cli", reason="reload")
        for _ in range(500):  # the watch's own rhythm picks it up
            if shelf.generation == 2:
                break
            await asyncio.sleep(0.01)
        assert shelf.generation == 2 and set(shelf.catalog.lessons) == {"x-1", "x-2"}
    finally:
        await watch.stop()


def test_a_reloaded_shelf_builds_new_decks_for_edited_lessons(tmp_path: Path, builder: DeckBuilder) -> None:
    library = tmp_path / "library"
    library.mkdir()
    write_post(library, "x-1", [(TEXT, "一句。两句。三句。")])
    shelf = shelf_over(library, tmp_path / "pins.toml", builder)
    before = shelf.deck(shelf.catalog.lessons["x-1"])
    assert shelf.deck(shelf.catalog.lessons["x-1"]) is before  # kept
    write_post(library, "x-1", [(TEXT.replace("third", "last"), "一句。两句。三句。")])
    shelf.restock(shelf.read_library(), 1)
    after = shelf.deck(shelf.catalog.lessons["x-1"])
    assert after is not before and "last" in after.english

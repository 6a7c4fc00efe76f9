"""今日, 归档, a past day and 关于: the reading pages, rendered on the server from the shelf.

Everyone reading today reads the same lesson, so the pages are built once and served many times:
the lesson's model is kept per (library generation, lesson), and for readers who are not signed
in, the page itself (nothing in it is theirs). A signed-in reader's page is rendered for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.core.actions import small_number
from bot.core.shelf import DayLesson, LessonShelf
from bot.web.reader.deps import READER
from bot.web.reader.error_page import not_found
from bot.web.reader.kept import Kept
from bot.web.reader.lesson_model import LessonView, lesson_view
from bot.web.reader.reader_day import ReaderDay, reader_day
from bot.web.signin import auth
from lessons.lesson import Lesson

ARCHIVE_PAGE = 20
ABOUT_LENGTH = 60  # characters of a lesson's first line in the archive


def date_label(date: dt.date) -> str:
    return f"{date.year} 年 {date.month} 月 {date.day} 日"


class LessonPages:
    """The handlers, with what they keep between requests (made per app, never at import)."""

    def __init__(self) -> None:
        self._models: Kept[LessonView] = Kept(64)
        self._pages: Kept[bytes] = Kept(256)
        self._authors: Kept[tuple[str, ...]] = Kept(4)

    async def today(self, request: web.Request) -> web.Response:
        shelf = request.app[READER].services.shelf
        today = await reader_day(request)
        day = shelf.day(today.date)
        if day is None:
            return await self._page(
                request, "lesson.html", ("empty", today.date, today.source), lambda: _empty(shelf, today)
            )
        return await self._page(
            request,
            "lesson.html",
            ("today", day.number, today.date, today.source),
            lambda: self._lesson(shelf, day, today),
        )

    async def day(self, request: web.Request) -> web.Response:
        shelf = request.app[READER].services.shelf
        number = small_number(request.match_info["number"], digits=5)
        today = await reader_day(request)
        day = shelf.day_number(number, today.date) if number is not None else None
        if day is None:
            which = f"第 {number} 课" if number is not None else "这一课"
            return not_found(request, f"{which}还没有开放，或者没有这一课。去归档看看已经开放的课程吧。")
        return await self._page(
            request, "lesson.html", ("day", day.number), lambda: self._lesson(shelf, day, None)
        )

    async def archive(self, request: web.Request) -> web.Response:
        shelf = request.app[READER].services.shelf
        today = await reader_day(request)
        days = shelf.archive(today.date)
        pages = max(1, -(-len(days) // ARCHIVE_PAGE))
        page = small_number(request.query.get("page", "1"), digits=5)
        if page is None or not 1 <= page <= pages:
            return not_found(request, f"归档共 {pages} 页，没有这一页。请从第 1 页看起。")
        shown = days[(page - 1) * ARCHIVE_PAGE : page * ARCHIVE_PAGE]
        return await self._page(
            request, "archive.html", ("archive", today.date, page), lambda: _archive(shown, page, pages)
        )

    async def about(self, request: web.Request) -> web.Response:
        deps = request.app[READER]
        shelf = deps.services.shelf

        def context() -> dict[str, Any]:
            authors = self._authors.get(shelf.generation, lambda: library_authors(shelf))
            return {"active": "about", "authors": authors, "bot_username": deps.bot_username}

        return await self._page(request, "about.html", ("about",), context)

    def _lesson(self, shelf: LessonShelf, day: DayLesson, today: ReaderDay | None) -> dict[str, Any]:
        """A scheduled lesson's page; `today` only on 今日, whose reader.js checks the browser agrees."""
        lesson = self._models.get(
            (shelf.generation, day.lesson.id), lambda: lesson_view(shelf.deck(day.lesson))
        )
        return {
            "active": "today" if today is not None else "archive",
            "lesson": lesson,
            "day": day,
            "day_label": date_label(day.date),
            "today": today,
        }

    async def _page(
        self, request: web.Request, template: str, key: Hashable, context: Callable[[], dict[str, Any]]
    ) -> web.Response:
        """The page, from the kept bytes for a reader not signed in (whose page is everyone's)."""
        if await auth.signed_in(request) is not None:
            return aiohttp_jinja2.render_template(template, request, context())
        generation = request.app[READER].services.shelf.generation
        body = self._pages.get(
            (generation, key), lambda: aiohttp_jinja2.render_string(template, request, context()).encode()
        )
        return web.Response(body=body, content_type="text/html", charset="utf-8")


def _empty(shelf: LessonShelf, today: ReaderDay) -> dict[str, Any]:
    """No lesson today: before the calendar starts, or a library with nothing to schedule."""
    start = shelf.catalog.config.start
    if today.date < start:
        message = f"BuildSpeak 的第一课将在 {date_label(start)} 开放，到时见！"
    else:
        message = "今天没有安排课程。去归档看看往期的课程吧。"
    return {"active": "today", "lesson": None, "message": message, "today": today}


def _archive(shown: list[DayLesson], page: int, pages: int) -> dict[str, Any]:
    entries = [
        {
            "number": day.number,
            "date": day.date,
            "date_label": date_label(day.date),
            "lesson": day.lesson,
            "about": lesson_about(day.lesson),
        }
        for day in shown
    ]
    return {"active": "archive", "entries": entries, "page": page, "pages": pages}


def lesson_about(lesson: Lesson) -> str:
    """What a lesson is about in one line: its title, else the start of its first paragraph."""
    about = lesson.header.title or lesson.paragraphs[0].en
    about = " ".join(about.split())
    return about if len(about) <= ABOUT_LENGTH else about[: ABOUT_LENGTH - 1].rstrip() + "…"


def library_authors(shelf: LessonShelf) -> tuple[str, ...]:
    """Everyone whose posts are in the library, credited on 关于."""
    return tuple(sorted({lesson.post.author for lesson in shelf.catalog.lessons.values()}, key=str.casefold))


def routes() -> list[web.RouteDef]:
    pages = LessonPages()
    return [
        web.get("/", pages.today),
        web.get("/day/{number}", pages.day),
        web.get("/archive", pages.archive),
        web.get("/about", pages.about),
    ]

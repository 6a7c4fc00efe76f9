"""What the lesson-page and audio tests share: reading a page as a browser would see it, a reader
app over services a test built itself, and a tiny library written for one test."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from bs4 import BeautifulSoup, Tag
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.shelf import LessonShelf
from bot.core.turn import Services
from bot.settings import WebSettings
from bot.web.app import build_app
from bot.web.health import Health
from bot.web.reader.deps import ReaderDeps
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder, Speaker
from lessons.library import Library
from lessons.post import Engagement, Paragraph, Post

Client = TestClient[web.Request, web.Application]


async def page(client: Client, path: str, **headers: str) -> tuple[int, BeautifulSoup]:
    response = await client.get(path, headers=headers)
    return response.status, BeautifulSoup(await response.text(), "html.parser")


def one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select(selector)
    assert len(found) == 1, f"{selector!r}: {len(found)} elements"
    return found[0]


def text_of(element: Tag) -> str:
    """An element's text as read before any gloss is opened (glosses sit hidden inside sentences)."""
    copy = BeautifulSoup(str(element), "html.parser")
    for gloss in copy.select(".gloss"):
        gloss.decompose()
    return copy.get_text()


@asynccontextmanager
async def reader_client(services: Services, *, bot_username: str | None = None) -> AsyncIterator[Client]:
    """A test client on a reader app over `services` (a test's own library, voice or clock)."""
    reader = ReaderDeps(Conversation(services), WebSettings(), bot_username=bot_username)
    async with TestClient(TestServer(build_app(Health([]), reader=reader))) as client:
        yield client


def shelf_services(
    catalog: Catalog,
    builder: DeckBuilder,
    sessions: Callable[[], Session],
    speaker: Speaker | None,
    now: dt.datetime,
) -> Services:
    return Services(shelf=LessonShelf(catalog, builder, speaker), sessions=sessions, clock=FixedClock(now))


def tiny_catalog(folder: Path, posts: list[Post], start: dt.date) -> Catalog:
    """A library of just `posts`, every one schedulable (no teaching-value bar), from `start` on."""
    library = Library.load(folder / "library")
    for post in posts:
        library.save(post)
    config = CatalogConfig(
        library_dir=folder / "library", pins_file=folder / "pins.toml", start=start, min_teaching_value=0
    )
    return Catalog.open(config)


def make_post(post_id: str, paragraphs: list[tuple[str, str | None]], **changes: object) -> Post:
    values: dict[str, object] = {
        "id": post_id,
        "kind": "post",
        "author": "Test Builder",
        "handle": "tester",
        "date": dt.date(2026, 5, 1),
        "source": f"https://x.com/tester/status/{post_id.removeprefix('x-')}",
        "engagement": Engagement(likes=1200, reposts=34),
        "added": dt.date(2026, 10, 1),
        "paragraphs": tuple(Paragraph(en=en, zh=zh) for en, zh in paragraphs),
    }
    values.update(changes)
    return Post(**values)  # type: ignore[arg-type]

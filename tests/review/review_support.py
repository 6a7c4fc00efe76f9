"""What the review tests share: a small library, a review folder with posts waiting, a translator.

The posts are real ones from the bundled library, so the checks judge real text: five one-lesson
posts make the library (its fresh lessons run from 2026-11-01 to 11-05), GOOD is a well-translated
three-paragraph post, LOW a keynote list of timestamps and links that teaches little however well
it is translated. Queued English-only, GOOD gets its Chinese back from the fake model, which
answers each paragraph with the bundled translation (or, `shift`ed, with another paragraph's).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from bot.clock import Clock
from bot.learning.llm import ChatClient, LlmConfig
from bot.learning.translation import translation_config
from bot.sources.vetting import Vetting, VettingConfig
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from lessons.following.checks import Rules
from lessons.following.queue import ReviewQueue
from lessons.library import Library
from lessons.post import Paragraph, Post
from tests.chat_support import CALENDAR_START, PROJECT
from tests.fakes.openai_api import FakeOpenAIServer

ZONE = "Asia/Shanghai"
TODAY = dt.date(2026, 11, 3)
MORNING = dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
LIBRARY_POSTS = (
    "x-1780730292837507092",
    "x-1781033433336262691",
    "x-1781397628833685792",
    "x-1781398392142455084",
    "x-1781400621863915628",
)
GOOD = "x-1834994757711671592"
LOW = "x-1841536806405472616"


@functools.cache
def bundled() -> Library:
    return Library.load(PROJECT / "lessons" / "library")


@dataclass
class Desk:
    """One test's library, pins and review folder."""

    root: Path
    builder: DeckBuilder

    @classmethod
    def made(cls, root: Path, builder: DeckBuilder) -> Desk:
        desk = cls(root, builder)
        desk.library_dir.mkdir(parents=True)
        for post_id in LIBRARY_POSTS:
            shutil.copy(bundled().paths[post_id], desk.library_dir / f"{post_id}.md")
        return desk

    @property
    def library_dir(self) -> Path:
        return self.root / "library"

    @property
    def review_dir(self) -> Path:
        return self.root / "review"

    @property
    def pins(self) -> Path:
        return self.root / "pins.toml"

    def catalog(self) -> Catalog:
        config = CatalogConfig(self.library_dir, self.pins, CALENDAR_START)
        return Catalog(config, Library.load(self.library_dir), self.builder.dictionary)

    def queue(self) -> ReviewQueue:
        return ReviewQueue.open(self.review_dir)

    def enqueue(self, post_id: str, *, english_only: bool = False) -> Post:
        """Queue a bundled post as the daily fetch would (joined today), its Chinese removed or kept."""
        post = bundled().posts[post_id].model_copy(update={"added": TODAY})
        if english_only:
            paragraphs = tuple(Paragraph(en=p.en, start=p.start) for p in post.paragraphs)
            post = post.model_copy(update={"paragraphs": paragraphs})
        assert self.queue().put(post) == "imported"
        return post

    def rules(self, catalog: Catalog | None = None) -> Rules:
        catalog = catalog or self.catalog()
        config = catalog.config
        return Rules(config.sizing, config.words_per_minute, catalog.teaching, self.builder)

    def vetting(self, sessions: Callable[[], Session], clock: Clock) -> Vetting:
        config = VettingConfig(review_dir=self.review_dir, library_dir=self.library_dir)
        return Vetting(config, self.rules(), sessions=sessions, clock=clock)


def translator(post_id: str, shift: int = 0) -> Callable[[dict[str, Any]], str]:
    """The fake model's answers for a post: each paragraph's bundled Chinese (`shift`: the Chinese of
    the paragraph that many further on, wrapping round: a translation written into the wrong place)."""
    paragraphs = bundled().posts[post_id].paragraphs

    def answer(body: dict[str, Any]) -> str:
        english = _squeezed(body["messages"][-1]["content"].split("Translate:\n\n", 1)[1])
        index = next(n for n, p in enumerate(paragraphs) if _squeezed(p.en) == english)
        chinese = paragraphs[(index + shift) % len(paragraphs)].zh
        assert chinese is not None
        return chinese

    return answer


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def model_of(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> ChatClient:
    """The client `buildspeak translate` makes, pointed at the fake."""
    config = LlmConfig(base_url=fake.base_url, api_key=fake.api_key, model=fake.model, retries=0)
    return ChatClient(translation_config(config), http)

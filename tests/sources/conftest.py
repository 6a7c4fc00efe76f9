"""Fetching followed sources against local feeds: a sources file, a review folder, a library, a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bot.clock import FixedClock
from bot.sources.fetching import FetchConfig, SourceFetcher
from bot.sources.reading import Limits
from lessons.following.queue import ReviewQueue
from lessons.library import Library
from lessons.sizing import LessonSizing
from tests.fakes.feed_server import FeedServer

ZONE = "Asia/Shanghai"
# 07:00 in Shanghai on 2026-11-20.
MORNING = dt.datetime(2026, 11, 19, 23, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)


@dataclass
class Following:
    """One test's sources file, review folder and library, with the fetch's settings."""

    root: Path
    sources_file: Path
    limits: Limits
    concurrency: int = 4

    def write_sources(self, *entries: str) -> None:
        self.sources_file.write_text("\n".join(entries), encoding="utf-8")

    @property
    def config(self) -> FetchConfig:
        return FetchConfig(
            sources_file=self.sources_file,
            review_dir=self.root / "review",
            library_dir=self.root / "library",
            limits=self.limits,
            concurrency=self.concurrency,
            sizing=LessonSizing(),
            timezone=ZONE,
        )

    def queue(self) -> ReviewQueue:
        return ReviewQueue.open(self.root / "review")

    def library(self) -> Library:
        return Library.load(self.root / "library")

    def stamps(self) -> dict[Path, int]:
        """Every review and library file with its modification time, to see what a fetch rewrote."""
        return {path: path.stat().st_mtime_ns for path in sorted(self.root.rglob("*.md"))}


def source(name: str, url: str, *, author: str = "Ada Builder", enabled: bool = True, extra: str = "") -> str:
    """One [[source]] table of a feed."""
    return (
        f'[[source]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"\nauthor = "{author}"\n'
        f"enabled = {'true' if enabled else 'false'}\n{extra}\n"
    )


@pytest.fixture
def following(tmp_path: Path) -> Following:
    (tmp_path / "library").mkdir()
    return Following(tmp_path, tmp_path / "sources.toml", Limits(timeout=1.0, max_bytes=5_000_000))


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def fetcher(
    following: Following, sessions: Callable[[], Session], clock: FixedClock, client: httpx.AsyncClient
) -> Callable[[], SourceFetcher]:
    """A fetcher on the current settings (make one after changing `following`)."""
    return lambda: SourceFetcher(
        following.config, sessions=sessions, clock=clock, client=client, holder="test"
    )

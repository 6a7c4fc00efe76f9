"""From settings to the fetch: the one place that reads `[sources]` (and the library and calendar
settings the fetch shares), for the CLI and the composition root alike."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from sqlmodel import Session

from bot.clock import Clock
from bot.settings import Settings
from bot.sources.daily import DailyFetch
from bot.sources.fetching import FetchConfig
from bot.sources.reading import Limits
from lessons.following.queue import check_apart
from lessons.sizing import LessonSizing


def fetch_config(settings: Settings) -> FetchConfig:
    """Raises QueueInLibrary for a review folder the catalog would read."""
    lessons, sources = settings.lessons, settings.sources
    check_apart(sources.review, settings.library.path)
    return FetchConfig(
        sources_file=sources.path,
        review_dir=sources.review,
        library_dir=settings.library.path,
        limits=Limits(timeout=sources.timeout, max_bytes=sources.max_bytes),
        concurrency=sources.concurrency,
        sizing=LessonSizing(
            min_sentences=lessons.min_sentences,
            min_words=lessons.min_words,
            target_sentences=lessons.target_sentences,
            max_sentences=lessons.max_sentences,
        ),
        timezone=settings.calendar.timezone,
    )


def daily_fetch(
    settings: Settings, *, sessions: Callable[[], Session], clock: Clock, holder: str | None = None
) -> DailyFetch:
    """The push role's daily job. `holder` names this process on the fetch's lease (default: host
    and pid). Raises QueueInLibrary: a bot set to queue posts where the calendar reads them does
    not start."""
    return DailyFetch(
        fetch_config(settings),
        at=settings.sources.fetch_time,
        sessions=sessions,
        clock=clock,
        holder=holder or f"{socket.gethostname()}:{os.getpid()}",
    )

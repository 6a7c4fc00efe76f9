"""What the chat-side tests share: the bundled library loaded once, and services over a test database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.shelf import LessonShelf
from bot.core.turn import Services
from bot.storage.learners import find_learner
from bot.storage.tables import SavedWord, WordContext
from lessons.audio import AudioConfig, Synthesizer
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from lessons.expressions import ExpressionGlossary, default_expressions_path
from lessons.vocabulary import Dictionary, default_dictionary_path

PROJECT = Path(__file__).resolve().parent.parent
CALENDAR_START = dt.date(2026, 11, 1)
# 2026-11-22 09:00 in Shanghai: day 22 of the calendar.
MORNING = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)


def bundled_catalog(tmp_path: Path) -> Catalog:
    """The bundled library with pins kept in `tmp_path`, so a test may pin without touching the repo."""
    return Catalog.open(
        CatalogConfig(
            library_dir=PROJECT / "lessons" / "library",
            pins_file=tmp_path / "pins.toml",
            start=CALENDAR_START,
        )
    )


def deck_builder() -> DeckBuilder:
    glossary = ExpressionGlossary.load(default_expressions_path())
    return DeckBuilder(Dictionary.load(default_dictionary_path()), glossary)


def offline_speaker(cache_dir: Path) -> Synthesizer:
    """The offline voice only: gTTS would need the internet."""
    return Synthesizer(AudioConfig(cache_dir=cache_dir, gtts_enabled=False))


def services(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session], audio_dir: Path
) -> Services:
    shelf = LessonShelf(catalog, builder, offline_speaker(audio_dir))
    return Services(shelf=shelf, sessions=sessions, clock=FixedClock(MORNING))


def book_contexts(
    sessions: Callable[[], Session], *, platform: str, user_id: str
) -> dict[str, list[WordContext]]:
    """Lemma → contexts of every entry (forgotten ones too) in the book of this platform account's learner."""
    with sessions() as session:
        learner = find_learner(session, platform=platform, user_id=user_id)
        if learner is None:
            return {}
        words = session.exec(select(SavedWord).where(SavedWord.learner_id == learner.id)).all()
        return {
            word.lemma: list(session.exec(select(WordContext).where(WordContext.saved_word_id == word.id)))
            for word in words
        }

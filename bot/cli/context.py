"""What every command needs, built once per invocation by the CLI's callback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from bot.clock import Clock, local_date
from bot.settings import Settings
from lessons.audio import AudioConfig, AudioSource, Synthesizer
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from lessons.expressions import ExpressionGlossary, default_expressions_path
from lessons.sizing import LessonSizing
from lessons.vocabulary import Dictionary, default_dictionary_path

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session


@dataclass
class CliContext:
    settings: Settings
    clock: Clock
    out: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))

    @property
    def today(self) -> dt.date:
        return local_date(self.clock, self.settings.calendar.timezone)

    @property
    def sizing(self) -> LessonSizing:
        lessons = self.settings.lessons
        return LessonSizing(
            min_sentences=lessons.min_sentences,
            min_words=lessons.min_words,
            target_sentences=lessons.target_sentences,
            max_sentences=lessons.max_sentences,
        )

    @cached_property
    def catalog(self) -> Catalog:
        catalog = Catalog.open(self.catalog_config)
        for error in catalog.errors:
            self.err.print(f"[yellow]skipped library file[/yellow] {error}", highlight=False)
        for day in catalog.calendar.unknown_pins:
            self.err.print(f"[yellow]pin for {day} names a lesson that is not in the library[/yellow]")
        return catalog

    @cached_property
    def deck_builder(self) -> DeckBuilder:
        return DeckBuilder(
            Dictionary.load(default_dictionary_path()), ExpressionGlossary.load(default_expressions_path())
        )

    @cached_property
    def database_engine(self) -> Engine:
        """Built on first use: commands that never touch the database never open one (or import it)."""
        from bot.storage.engine import create_database_engine

        return create_database_engine(self.settings.database.url)

    @contextmanager
    def migrated_sessions(self) -> Iterator[Callable[[], Session]]:
        """Sessions on the database brought to the newest schema, the engine disposed afterwards:
        for a command that reads or writes the bot's tables once and exits."""
        from bot.storage.engine import migrate, session_factory

        engine = self.database_engine
        try:
            migrate(engine)
            yield session_factory(engine)
        finally:
            engine.dispose()

    def speaker(
        self, *, offline_only: bool = False, on_audio: Callable[[AudioSource], None] | None = None
    ) -> Synthesizer:
        """The configured voices; `offline_only` skips gTTS (the console chat's embedded defaults).
        `on_audio` hears where each file came from (the running bot counts them in its metrics)."""
        audio = self.settings.audio
        return Synthesizer(
            AudioConfig(
                cache_dir=audio.cache_dir,
                gtts_base_url=audio.gtts_base_url or None,
                gtts_enabled=audio.gtts and not offline_only,
                lang=audio.lang,
                tld=audio.tld,
                timeout=audio.timeout,
                offline_voice=audio.offline_voice or None,
            ),
            on_audio=on_audio,
        )

    @property
    def catalog_config(self) -> CatalogConfig:
        return CatalogConfig(
            library_dir=self.settings.library.path,
            pins_file=self.settings.library.pins,
            start=self.settings.calendar.start,
            sizing=self.sizing,
            words_per_minute=self.settings.lessons.words_per_minute,
            min_teaching_value=self.settings.lessons.min_teaching_value,
        )

    def fail(self, message: str, code: int = 1) -> typer.Exit:
        """Print a friendly error and return the exit to raise."""
        self.err.print(f"[red]{message}[/red]", highlight=False)
        return typer.Exit(code)


def context_of(ctx: typer.Context) -> CliContext:
    """The context the app's callback stored (it runs before every command)."""
    return ctx.find_root().obj

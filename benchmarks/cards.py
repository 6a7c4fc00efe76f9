"""Time to build the cards of the whole bundled library, and the audio cache at work.

1. Cards without audio (segmentation, alignment, key words, expressions) for
   every lesson of the bundled library: total and per lesson. Target < 5 s.
2. Audio for one lesson, twice, into a fresh cache: the second build must
   synthesize nothing (cache hits printed). The voice is whatever works here:
   gTTS when Google is reachable, else the offline voice (espeak-ng + lame).

    .venv/bin/python benchmarks/cards.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from lessons.audio import AudioConfig, Synthesizer
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from lessons.expressions import ExpressionGlossary, default_expressions_path
from lessons.lesson import Lesson
from lessons.vocabulary import Dictionary, default_dictionary_path

ROOT = Path(__file__).resolve().parent.parent


def build_all(builder: DeckBuilder, lessons: list[Lesson]) -> tuple[float, list[float], int]:
    per_lesson: list[float] = []
    cards = 0
    began = time.perf_counter()
    for lesson in lessons:
        started = time.perf_counter()
        cards += len(builder.build(lesson).cards)
        per_lesson.append(time.perf_counter() - started)
    return time.perf_counter() - began, per_lesson, cards


def audio_twice(builder: DeckBuilder, lesson: Lesson) -> None:
    with tempfile.TemporaryDirectory() as cache:
        for attempt in ("first", "second"):
            speaker = Synthesizer(AudioConfig(cache_dir=Path(cache), timeout=5.0))
            began = time.perf_counter()
            deck = builder.build(lesson, speaker)
            stats = speaker.stats
            with_audio = sum(1 for card in deck.cards if card.audio)
            print(
                f"audio, {attempt} build of {lesson.id}: {time.perf_counter() - began:.2f} s, "
                f"{with_audio}/{len(deck.cards)} cards with audio, cache hits {stats.hits}, "
                f"synthesized {stats.made_gtts} by gTTS + {stats.made_offline} offline"
            )


def main() -> None:
    began = time.perf_counter()
    builder = DeckBuilder(
        Dictionary.load(default_dictionary_path()), ExpressionGlossary.load(default_expressions_path())
    )
    load = time.perf_counter() - began
    config = CatalogConfig(ROOT / "lessons" / "library", ROOT / "lessons" / "pins.toml", dt.date(2026, 11, 1))
    lessons = list(Catalog.open(config).lessons.values())
    total, per_lesson, cards = build_all(builder, lessons)
    print(f"dictionary + glossary load: {load:.2f} s")
    print(f"cards without audio: {len(lessons)} lessons, {cards} cards in {total:.2f} s (target < 5 s)")
    print(
        f"per lesson: mean {statistics.mean(per_lesson) * 1000:.1f} ms, max {max(per_lesson) * 1000:.1f} ms"
    )
    audio_twice(builder, lessons[0])


if __name__ == "__main__":
    main()

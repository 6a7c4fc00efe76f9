"""The offline explainer's library usage index on the bundled library: build time and answer time.

1. Building the index (every paragraph's words and lemmas). Target < 1 s: it is built by the
   first question after start-up, while that learner waits.
2. For comparison, cutting every paragraph into aligned sentence cards, which the index avoids.
3. Examples for a few words, from rare to the commonest ("the"), each from a fresh card cache.
   Target < 0.2 s each.

    .venv/bin/python benchmarks/usage_index.py
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from bot.learning.usage_index import UsageIndex
from lessons.cards import paragraph_cards
from lessons.catalog import Catalog, CatalogConfig
from lessons.vocabulary import Dictionary, default_dictionary_path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("engulfed", "vibe coding", "agent", "batch size", "the")


def main() -> None:
    dictionary = Dictionary.load(default_dictionary_path())
    config = CatalogConfig(ROOT / "lessons" / "library", ROOT / "lessons" / "pins.toml", dt.date(2026, 11, 1))
    lessons = list(Catalog.open(config).lessons.values())
    index = UsageIndex(lessons, dictionary)
    index.build()
    print(
        f"usage index: {index.paragraphs} paragraphs of {len(lessons)} lessons in {index.build_seconds:.3f} s"
    )
    began = time.perf_counter()
    cards = sum(len(paragraph_cards(p, i)) for lesson in lessons for i, p in enumerate(lesson.paragraphs))
    print(f"(all {cards} sentence cards, aligned, would take {time.perf_counter() - began:.2f} s)")
    for word in WORDS:
        fresh = UsageIndex(lessons, dictionary)
        fresh.build()
        began = time.perf_counter()
        found = fresh.examples(word)
        print(f"examples of {word!r}: {len(found)} in {(time.perf_counter() - began) * 1000:.1f} ms")


if __name__ == "__main__":
    main()

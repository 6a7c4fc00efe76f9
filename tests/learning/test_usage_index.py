"""The library usage index: sentences that use a word, found by lemma, with their translations."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.learning.usage_index import UsageIndex
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.learning.explain_support import small_catalog


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return small_catalog(tmp_path)


@pytest.fixture
def index(catalog: Catalog, builder: DeckBuilder) -> UsageIndex:
    return UsageIndex(catalog.lessons.values(), builder.dictionary)


def test_any_form_of_a_word_finds_its_sentences_one_post_each_with_translations(index: UsageIndex) -> None:
    found = index.examples("engulfed")
    assert [(usage.author, usage.en) for usage in found] == [
        ("Ada Builder", "The flood engulfed the town."),
        ("Bo Hacker", "An agent engulfs the whole context window."),
        ("Cy Founder", "Engulfing software is what LLMs do."),
    ]
    assert found[1].zh == "一个 agent 吞掉了整个上下文窗口。"


def test_the_asked_sentence_is_excluded_and_its_own_lesson_comes_last(index: UsageIndex) -> None:
    found = index.examples("engulf", exclude="The flood engulfed the town.", other_than="x-100")
    assert [usage.en for usage in found] == [
        "An agent engulfs the whole context window.",
        "Engulfing software is what LLMs do.",
        "Nothing else engulfs attention like a demo.",
    ]
    assert index.examples("engulf", limit=1)[0].lesson_id == "x-100"


def test_a_phrase_matches_its_words_in_order(index: UsageIndex) -> None:
    assert [usage.en for usage in index.examples("ship it")] == ["We ship it when the tests pass."]
    assert index.examples("it ship") == []


def test_nothing_found_is_an_empty_list(index: UsageIndex) -> None:
    assert index.examples("qwzxv") == []
    assert index.examples("？？") == []


def test_the_index_is_built_once_on_first_use(index: UsageIndex) -> None:
    assert index.build_seconds is None
    index.examples("engulf")
    first = index.build_seconds
    index.examples("agent")
    assert first is not None and index.build_seconds == first
    assert index.paragraphs == 4


def test_the_bundled_library_indexes_quickly_and_answers_in_milliseconds(
    tmp_path: Path, builder: DeckBuilder
) -> None:
    catalog = chat_support.bundled_catalog(tmp_path)
    index = UsageIndex(catalog.lessons.values(), builder.dictionary)
    index.build()
    assert index.paragraphs > 700
    assert index.build_seconds is not None and index.build_seconds < 2.0, "measured ~0.1-0.2 s"
    started = time.perf_counter()
    found = index.examples("the")  # the most common word: the scan must stay bounded
    assert len(found) == 3 and all(usage.zh for usage in found)
    assert time.perf_counter() - started < 2.0, "measured ~0.03 s"

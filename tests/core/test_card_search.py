"""The one card search behind /save, /explain and replies: any form of a word, and decks built only
for lessons whose text matched."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.card_search import CardSearch
from bot.core.shelf import LessonShelf
from lessons.catalog import Catalog
from lessons.deck import Deck, DeckBuilder, Speaker
from lessons.lesson import Lesson

TODAY = dt.date(2026, 11, 22)
TODAYS = "x-1795864908338442609"  # card 3 "…increase the batch size…", card 5 "…disable them…helps you…"


class CountingBuilder:
    """A deck builder that remembers which lessons it built decks for."""

    def __init__(self, builder: DeckBuilder) -> None:
        self.inner = builder
        self.dictionary = builder.dictionary
        self.glossary = builder.glossary
        self.built: list[str] = []

    def build(self, lesson: Lesson, speaker: Speaker | None = None) -> Deck:
        self.built.append(lesson.id)
        return self.inner.build(lesson, speaker)


@pytest.fixture
def counting(builder: DeckBuilder) -> CountingBuilder:
    return CountingBuilder(builder)


@pytest.fixture
def search(catalog: Catalog, counting: CountingBuilder) -> CardSearch:
    return CardSearch(LessonShelf(catalog, counting))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "number", "form"),
    [
        ("increases", 3, "increase"),
        ("increase", 3, "increase"),
        ("helped", 5, "helps"),
        ("Batch Size", 3, "batch size"),
    ],
)
def test_a_word_is_found_in_any_form_on_the_newest_card(
    search: CardSearch, counting: CountingBuilder, typed: str, number: int, form: str
) -> None:
    met = search.recent(search.target(typed), TODAY)
    assert met is not None
    assert (met.deck.lesson.id, met.card.number, met.form) == (TODAYS, number, form)
    assert counting.built == [TODAYS], "only the lesson whose text matched got a deck"


def test_a_word_in_no_lesson_builds_no_deck(search: CardSearch, counting: CountingBuilder) -> None:
    assert search.recent(search.target("qwzxv"), TODAY) is None
    assert counting.built == []


def test_the_card_replied_to_comes_first(search: CardSearch) -> None:
    deck = search.shelf.deck(search.shelf.catalog.lessons[TODAYS])
    batch = search.target("batch")
    first = search.in_deck(batch, deck)
    assert first is not None and first.card.number == 3
    replied = search.in_deck(batch, deck, deck.cards[4])
    assert replied is not None and replied.card.number == 5


def test_an_audio_caption_is_found_with_one_deck_built(
    search: CardSearch, counting: CountingBuilder, builder: DeckBuilder, catalog: Catalog
) -> None:
    sentence = builder.build(catalog.lessons[TODAYS]).cards[3].en
    met = search.sentence(f" {sentence}\n", TODAY)
    assert met is not None and (met.deck.lesson.id, met.card.number) == (TODAYS, 4)
    assert counting.built == [TODAYS]
    assert search.sentence("Fear.", TODAY) is None and search.sentence("  ", TODAY) is None
    assert counting.built == [TODAYS], "no sentence matched: no other deck"


@pytest.mark.parametrize(
    ("typed", "sentence", "form"),
    [
        ("don't", "Don’t chase low-hanging fruit.", "Don’t"),
        ("low hanging fruit", "Don’t chase low-hanging fruit.", "low-hanging fruit"),
        ("low-hanging fruit", "Don't chase low hanging fruit.", "low hanging fruit"),
        ("engulfs", "The flood engulfed the town.", "engulfed"),
        ("fruit", "Grapefruit is not fruit.", "fruit"),
        ("fruit", "Grapefruit only.", None),
    ],
)
def test_apostrophes_hyphens_and_word_edges(
    search: CardSearch, typed: str, sentence: str, form: str | None
) -> None:
    assert search.form_in(search.target(typed), sentence) == form

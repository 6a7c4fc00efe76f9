"""Finding a card's key words and builder expressions in its sentence, so the page marks them in
place: nothing of the sentence lost or doubled, a word inside a compound still found, an
expression found however it is spelled, and a word that is not in the sentence still shown."""

from __future__ import annotations

import pytest

from bot.web.reader.lesson_model import CardView, card_view, lesson_view
from lessons.catalog import Catalog
from lessons.deck import Card, DeckBuilder
from lessons.expressions import Expression
from lessons.vocabulary import KeyWord

pytestmark = pytest.mark.database_incidental

LOW_HANGING = Expression(
    phrase="low-hanging fruit",
    variants=(),
    kind="idiom",
    zh="唾手可得的成果",
    example="Fix the low-hanging fruit first.",
)
SHIP_IT = Expression(
    phrase="ship it", variants=("let's ship it",), kind="slang", zh="发布吧", example="LGTM, ship it."
)


def card(en: str, words: tuple[KeyWord, ...] = (), expressions: tuple[Expression, ...] = ()) -> Card:
    return Card(number=3, en=en, zh=None, paragraph=0, start=None, words=words, expressions=expressions)


def word(surface: str, lemma: str | None = None) -> KeyWord:
    return KeyWord(word=surface, lemma=lemma or surface.lower(), phonetic="fəʊn", gloss="n. 释义")


def rebuilt(view: CardView) -> str:
    return "".join(piece.text for run in view.runs for piece in run.pieces)


def marked(view: CardView) -> list[tuple[str, str]]:
    """(expression phrase, its text as written) for each mark."""
    return [
        (run.expression.phrase, "".join(piece.text for piece in run.pieces))
        for run in view.runs
        if run.expression
    ]


def words_in_place(view: CardView) -> list[str]:
    return [piece.text for run in view.runs for piece in run.pieces if piece.word is not None]


def test_every_bundled_lesson_keeps_its_sentences_whole_and_places_what_it_teaches(
    catalog: Catalog, builder: DeckBuilder
) -> None:
    for lesson in catalog.lessons.values():
        deck = builder.build(lesson)
        view = lesson_view(deck)
        for shown, source in zip(view.cards, deck.cards, strict=True):
            assert rebuilt(shown) == source.en
            placed = len(words_in_place(shown)) + len(shown.loose_words)
            assert placed == len(source.words)
            assert [phrase for phrase, _ in marked(shown)] == [e.phrase for e in source.expressions]


def test_a_key_word_inside_a_compound_is_found_in_place() -> None:
    view = card_view(
        "x-1", card("She can be re-animated by a prompt.", (word("animated", "animate"),)), False
    )

    assert words_in_place(view) == ["animated"]
    assert view.loose_words == ()
    assert rebuilt(view) == "She can be re-animated by a prompt."


def test_a_word_is_found_where_it_is_spelled_as_met_else_in_another_case() -> None:
    exact = card_view("x-1", card("Batch it. Then batch again.", (word("batch"),)), False)
    other_case = card_view("x-1", card("Batch it. Then Batch again.", (word("batch"),)), False)

    assert pieces(exact) == [("Batch it. Then ", ""), ("batch", "gloss-3-1"), (" again.", "")]
    assert pieces(other_case) == [("Batch", "gloss-3-1"), (" it. Then Batch again.", "")]


def pieces(view: CardView) -> list[tuple[str, str]]:
    return [(piece.text, piece.gloss_id) for run in view.runs for piece in run.pieces]


def test_an_expression_is_marked_however_it_is_spelled_with_its_words_inside() -> None:
    view = card_view(
        "x-1",
        card(
            "Grab the low hanging fruit, then let\u2019s ship it.", (word("fruit"),), (LOW_HANGING, SHIP_IT)
        ),
        False,
    )

    assert marked(view) == [("low-hanging fruit", "low hanging fruit"), ("ship it", "let\u2019s ship it")]
    assert words_in_place(view) == ["fruit"]
    [inside] = [run for run in view.runs if run.expression is LOW_HANGING]
    assert [piece.text for piece in inside.pieces] == ["low hanging ", "fruit"]


def test_a_word_not_in_the_sentence_is_shown_after_it() -> None:
    view = card_view("x-1", card("Nothing here matches.", (word("engulfed", "engulf"),)), False)

    assert words_in_place(view) == []
    assert [(piece.text, piece.gloss_id) for piece in view.loose_words] == [("engulfed", "gloss-3-1")]
    assert rebuilt(view) == "Nothing here matches."


def test_a_word_is_not_found_inside_a_longer_word() -> None:
    view = card_view("x-1", card("The cope is in scope.", (word("scope"),)), False)

    assert words_in_place(view) == ["scope"]
    [run] = view.runs
    assert [piece.text for piece in run.pieces] == ["The cope is in ", "scope", "."]

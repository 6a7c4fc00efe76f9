"""The offline explainer: dictionary entries, builder expressions and library examples, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.learning.offline_explainer import OfflineExplainer
from bot.learning.questions import CardContext, Question
from bot.learning.usage_index import UsageIndex
from lessons.deck import DeckBuilder
from tests.learning.explain_support import small_catalog

CARD = CardContext("The flood engulfed the town.", "洪水吞没了小镇。", "Ada Builder", None, "x-100")


@pytest.fixture
def explainer(tmp_path: Path, builder: DeckBuilder) -> OfflineExplainer:
    catalog = small_catalog(tmp_path)
    usage = UsageIndex(catalog.lessons.values(), builder.dictionary)
    return OfflineExplainer(builder.dictionary, builder.glossary, usage)


def test_a_word_gets_its_entry_exam_levels_forms_and_other_sentences(explainer: OfflineExplainer) -> None:
    answer = explainer.explain(Question("engulfed 什么意思", ("engulfed",), CARD))
    (note,) = answer.words
    assert (note.word, note.lemma, note.phonetic) == ("engulfed", "engulf", "in'gʌlf")
    assert note.gloss == "vt. 卷入, 吸进, 吞没"
    assert note.levels == ("托福", "GRE")
    assert note.forms == ("engulfed", "engulfing", "engulfs")
    assert answer.examples_of == "engulfed"
    assert [usage.en for usage in answer.examples] == [
        "An agent engulfs the whole context window.",
        "Engulfing software is what LLMs do.",
        "Nothing else engulfs attention like a demo.",
    ], "never the card's own sentence; other posts first"
    assert answer.missing == () and not answer.empty


def test_an_easy_word_asked_alone_is_still_looked_up(explainer: OfflineExplainer) -> None:
    answer = explainer.explain(Question("town?", ("town",), CARD))
    assert [note.lemma for note in answer.words] == ["town"]
    assert answer.words[0].levels[0] == "中考"


def test_a_builder_expression_comes_from_the_glossary_with_its_examples(explainer: OfflineExplainer) -> None:
    answer = explainer.explain(Question("ship it 什么意思", ("ship it",)))
    assert [expression.phrase for expression in answer.expressions] == ["ship it"]
    assert answer.examples_of == "ship it"
    assert [usage.en for usage in answer.examples] == ["We ship it when the tests pass."]
    assert answer.missing == ()


def test_a_word_of_an_expression_on_the_card_brings_the_expression(explainer: OfflineExplainer) -> None:
    card = CardContext("Tests pass, ship it.", "测试通过，发布吧。")
    answer = explainer.explain(Question("ship 在这里什么意思", ("ship",), card))
    assert "ship it" in [expression.phrase for expression in answer.expressions]


def test_the_whole_sentence_looks_up_its_harder_words_and_shows_the_hardest_in_use(
    explainer: OfflineExplainer,
) -> None:
    answer = explainer.explain(Question("这句话什么意思", (), CARD))
    assert [note.lemma for note in answer.words] == ["flood", "engulf"]
    assert answer.examples_of == "engulf", "the harder of the two"


def test_unknown_english_is_reported_as_missing(explainer: OfflineExplainer) -> None:
    answer = explainer.explain(Question("qwzxv?", ("qwzxv",)))
    assert answer.empty and answer.missing == ("qwzxv",)

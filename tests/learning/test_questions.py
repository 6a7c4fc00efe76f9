"""Reading what a learner asks about out of how they ask it."""

from __future__ import annotations

import pytest

from bot.learning.questions import (
    CardContext,
    Question,
    asked_about,
    explain_terms,
    looks_like_question,
    normalised,
)


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("engulfed 在这里什么意思？", ("engulfed",)),
        ("why 'the the'?", ("the the",)),
        ("这句话的语法", ()),
        ("what does ship it mean", ("ship it",)),
        ("ship it 是什么意思", ("ship it",)),
        ("what does it mean?", ()),
        ("What is the meaning of engulf in this sentence?", ("engulf",)),
        ("what's the meaning of 'engulf'", ("engulf",)),
        ("engulfed 和 swallowed 有什么区别", ("engulfed", "swallowed")),
        ("“skill issue” 是骂人吗", ("skill issue",)),
        ("「all in」的语气", ("all in",)),
        ("tok/s 是什么", ("tok/s",)),
        ("Why is it so?", ("so",)),
        ("a b c d e 是什么", ("a b c d e",)),
    ],
)
def test_the_english_asked_about(question: str, terms: tuple[str, ...]) -> None:
    assert asked_about(question) == terms


def test_at_most_four_terms_each_once() -> None:
    assert asked_about("one 和 two 和 three 和 one 和 four 和 five") == ("one", "two", "three", "four")


def test_explain_takes_plain_english_as_it_is_and_a_chinese_question_like_any_question() -> None:
    assert explain_terms("  What is   RAG?  ") == ("What is RAG",)
    assert explain_terms("engulfed 什么意思") == ("engulfed",)
    assert explain_terms("'ship it'") == ("ship it",)
    assert explain_terms("这是什么") == ()


def test_normalised_folds_case_width_spacing_and_end_marks() -> None:
    assert normalised("  Engulfed   在这里什么意思？ ") == normalised("engulfed 在这里什么意思")
    assert normalised("ＡＢＣ!") == "abc"
    assert normalised("ship it") != normalised("ship")


def test_a_question_needs_english_or_a_card() -> None:
    with pytest.raises(ValueError):
        Question("这句话什么意思", ())
    card = CardContext("Ship it.", "发布吧。")
    assert Question("这句话什么意思", (), card).focus == ("Ship it.",)
    assert Question("ship 什么意思", ("ship",), card).focus == ("ship",)


@pytest.mark.parametrize(
    "text",
    [
        "engulfed 在这里什么意思",
        "这句话的语法",
        "为啥用 disable",
        "這是什麼意思",
        "disable 是关闭吗",
        "why so?",
        "What does ship it mean",
        "engulfed meaning",
        "'batch size'",
        "「all in」",
        "ok？",
    ],
)
def test_what_looks_like_a_question_in_a_group(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text", ["nice post", "good morning everyone", "谢谢分享", "有意思", "👍", "showing off", "「好的」", ""]
)
def test_what_is_talk_between_people(text: str) -> None:
    assert not looks_like_question(text)

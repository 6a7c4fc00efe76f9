"""Reading what was typed after /save: words, quoted phrases, and the problems that save nothing."""

from __future__ import annotations

import pytest

from bot.core.word_input import MAX_ITEMS, Problem, chinese_of, command_rest, parse_words


def test_the_command_word_and_bot_name_are_dropped() -> None:
    assert command_rest("/save@BuildSpeakBot  napkin math ") == "napkin math"
    assert command_rest("/save") == "" and command_rest("not a command") == ""


@pytest.mark.parametrize(
    ("typed", "items"),
    [
        ("engulfed", ("engulfed",)),
        ("engulfed, moat，slop、cope", ("engulfed", "moat", "slop", "cope")),
        ('"napkin math" moat', ("napkin math", "moat")),
        ("“vibe coding” 「skill issue」", ("vibe coding", "skill issue")),
        ("(engulfed). Moat! moat", ("engulfed", "Moat")),
        ("don't low-hanging", ("don't", "low-hanging")),
        ("", ()),
    ],
)
def test_words_and_phrases(typed: str, items: tuple[str, ...]) -> None:
    assert parse_words(typed).items == items


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("x" * 51, Problem.TOO_LONG),
        (" ".join(f"w{n}" for n in range(MAX_ITEMS + 1)), Problem.TOO_MANY),
        ("http://example.com", Problem.URL),
        ("github.com/karpathy", Problem.URL),
        ("me@example.com", Problem.URL),
        ("吞没", Problem.CHINESE),
        ("engulf 吞没", Problem.CHINESE),
        ("🤔", Problem.NOT_ENGLISH),
        ("?!", Problem.NOT_ENGLISH),
        ("привет", Problem.NOT_ENGLISH),
    ],
)
def test_problems(typed: str, problem: Problem) -> None:
    parsed = parse_words(typed)
    assert parsed.problem is problem and parsed.items == ()


def test_a_long_culprit_is_quoted_back_short_and_chinese_is_picked_out() -> None:
    assert len(parse_words("y" * 500).culprit) == 20
    assert chinese_of("「吞没」?") == "吞没"

"""The poll part of a reply: checked when made, and shown in the console as a quiz to think about."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from bot.adapters.console import render_poll
from bot.core.messages import Poll, Reply


def test_a_poll_has_two_to_ten_options_and_a_quizs_answer_is_one_of_them() -> None:
    with pytest.raises(ValueError, match="2 to 10 options"):
        Poll("k", "q?", ("only",))
    with pytest.raises(ValueError, match="2 to 10 options"):
        Poll("k", "q?", tuple(str(n) for n in range(11)))
    with pytest.raises(ValueError, match="not one of"):
        Poll("k", "q?", ("a", "b"), correct=2)
    assert Reply(poll=Poll("k", "q?", ("a", "b"), correct=1)).shows_something


def test_the_console_shows_the_choices_and_keeps_the_answer_to_itself() -> None:
    """A quiz on the console is answered by typing the letter: the answer must not be on screen."""
    shown = render_poll(
        Poll("k", "engulf 是什么意思？", ("吞没", "建造"), correct=0, explanation="吞没，淹没")
    )
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(shown)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "📝 engulf 是什么意思？" in text and "A. 吞没" in text and "B. 建造" in text
    assert "输入字母作答" in text and "淹没" not in text

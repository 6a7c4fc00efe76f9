"""How explanations read: the kind of answer first, the quota line, the AI budget notes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.explanation_view import explanation_reply, quota_line
from bot.learning.explainer import Explanation, Source
from bot.learning.offline_explainer import OfflineAnswer
from bot.learning.questions import CardContext, Question

QUESTION = Question("这句话的语法", (), CardContext("Ship it.", "发布吧。"))


@pytest.mark.parametrize(
    ("resets_in", "expected"),
    [
        (dt.timedelta(hours=14, minutes=1), "明天 0 点恢复（约 15 小时后）"),
        (dt.timedelta(minutes=59), "明天 0 点恢复（不到 1 小时后）"),
        (None, "明天 0 点恢复。"),
    ],
)
def test_the_quota_line_says_when_ai_answers_come_back(resets_in: dt.timedelta | None, expected: str) -> None:
    line = quota_line(20, resets_in)
    assert line.startswith("⏳ 今天的 20 次 AI 讲解已用完，") and expected in line


@pytest.mark.parametrize(
    ("source", "label"),
    [
        (Source.NO_AI, "📚 离线讲解（未配置 AI）"),
        (Source.AI_FAILED, "📚 离线讲解（AI 暂时不可用）"),
        (Source.AI_SLOW, "📚 离线讲解（AI 这次太慢了，稍后可以再问一次）"),
        (Source.QUOTA, "📚 离线讲解（今天的 AI 次数已用完）"),
    ],
)
def test_an_offline_answer_starts_with_its_kind_and_shows_the_card(source: Source, label: str) -> None:
    explanation = Explanation(source, QUESTION, offline=OfflineAnswer(QUESTION), daily_limit=3)
    text = explanation_reply(explanation, resets_in=dt.timedelta(hours=2)).text
    assert text is not None
    lines = text.plain.splitlines()
    assert lines[0] == label
    assert ("⏳ 今天的 3 次 AI 讲解已用完" in text.plain) is (source is Source.QUOTA)
    assert "原句：Ship it." in lines and "译文：发布吧。" in lines


@pytest.mark.parametrize(
    ("left", "note"),
    [(5, None), (3, "今天还可以问 AI 3 次。"), (0, "这是今天最后一次 AI 讲解，之后是离线讲解。")],
)
def test_an_ai_answer_says_how_many_are_left_once_few_are(left: int, note: str | None) -> None:
    explanation = Explanation(
        Source.AI, QUESTION, answer="【这里的意思】发布吧。", left_today=left, daily_limit=5
    )
    text = explanation_reply(explanation).text
    assert text is not None
    lines = text.plain.splitlines()
    assert lines[:3] == ["🤖 AI 讲解 · 这句话", "", "【这里的意思】发布吧。"]
    assert lines[3:] == ([] if note is None else ["", note])

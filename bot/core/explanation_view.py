"""An explanation as a chat message, and everything the explanation replies say.

Every answer starts by saying what kind it is, since an offline answer is a different promise
from a model's: "🤖 AI 讲解" for the model (fresh or cached), "📚 离线讲解（…）" with the reason
for the offline one. Chinese first; the English stays as English because it is what is taught.
"""

from __future__ import annotations

import datetime as dt
import math

from bot.core.messages import Button, Line, Reply, RichText, Span, keyboard
from bot.learning.explainer import Explanation, Source
from bot.learning.offline_explainer import OfflineAnswer, WordNote
from bot.learning.usage_index import Usage

AI_LABEL = "🤖 AI 讲解"
OFFLINE_LABELS = {
    Source.NO_AI: "📚 离线讲解（未配置 AI）",
    Source.AI_FAILED: "📚 离线讲解（AI 暂时不可用）",
    Source.AI_SLOW: "📚 离线讲解（AI 这次太慢了，稍后可以再问一次）",
    Source.QUOTA: "📚 离线讲解（今天的 AI 次数已用完）",
}
LISTEN = "🔊 听原句"
CACHED_NOTE = "这个问题之前有人问过，直接给你保存的回答，不计入今天的次数。"
LOW_BUDGET = 3  # say how many AI questions are left once this few remain

USAGE = (
    "用法：/explain 单词、短语或句子，例如 /explain engulfed 或 /explain ship it。\n"
    "更方便的是直接回复某张课文卡片提问，比如「engulfed 在这里什么意思？」或「这句话的语法」。"
)
TOO_LONG = "问题太长了（{length} 字），请控制在 {limit} 字以内，只问一个词、短语或一句话。"
NO_ENGLISH = (
    "没找到要讲解的英文 🤔 请写出英文单词或句子，例如 /explain engulfed；"
    "或者回复某张课文卡片，问「这句话什么意思？」。"
)
WHICH_SENTENCE = (
    "这条消息是整篇课文，我不知道你问的是哪一句 🙂 请写出要问的英文，例如「engulfed 什么意思」，"
    "或者在私聊里回复某张卡片提问。"
)
EMPTY_REPLY = "想问这句话？回复时写下你的问题，例如「engulfed 在这里什么意思？」或「这句话的语法」。"
NOTHING_FOUND = "词典和课程库里都没有找到「{terms}」。检查一下拼写，或者回复含有它的课文卡片再问。"


def explanation_reply(
    explanation: Explanation, *, resets_in: dt.timedelta | None = None, listen: str | None = None
) -> Reply:
    """The answer; `resets_in` is the time to the person's midnight (said when the AI quota is gone).

    `listen` is the card's 🔊 action when the answer is about a card: the button speaks the card,
    and it is what makes a reply to this answer a follow-up question about the same card.
    """
    buttons = keyboard([Button(LISTEN, action=listen)]) if listen else ()
    if explanation.answer is not None:
        return Reply(_ai_text(explanation), buttons=buttons)
    assert explanation.offline is not None
    lines: list[str | Span | Line] = [Span(OFFLINE_LABELS[explanation.source], bold=True)]
    if explanation.source is Source.QUOTA:
        lines.append(quota_line(explanation.daily_limit, resets_in))
    return Reply(RichText.of(*lines) + offline_text(explanation.offline), buttons=buttons)


def _ai_text(explanation: Explanation) -> RichText:
    answer = explanation.answer or ""
    lines: list[str | Span | Line] = [Span(f"{AI_LABEL} · {_subject(explanation)}", bold=True), ""]
    lines += answer.splitlines()
    if explanation.source is Source.CACHED:
        lines += ["", Span(CACHED_NOTE, italic=True)]
    elif explanation.left_today is not None and explanation.left_today <= LOW_BUDGET:
        left = explanation.left_today
        note = f"今天还可以问 AI {left} 次。" if left else "这是今天最后一次 AI 讲解，之后是离线讲解。"
        lines += ["", Span(note, italic=True)]
    return RichText.of(*lines)


def _subject(explanation: Explanation) -> str:
    question = explanation.question
    if question.terms:
        return "、".join(question.terms)
    return "这句话"


def quota_line(limit: int, resets_in: dt.timedelta | None) -> str:
    """ "今天的 20 次 AI 讲解已用完，明天 0 点恢复（约 15 小时后）。" """
    when = "明天 0 点恢复"
    if resets_in is not None:
        hours = math.ceil(resets_in.total_seconds() / 3600)
        when += "（不到 1 小时后）" if hours <= 1 else f"（约 {hours} 小时后）"
    return f"⏳ 今天的 {limit} 次 AI 讲解已用完，{when}。离线讲解不限次数，下面是离线讲解。"


def offline_text(answer: OfflineAnswer) -> RichText:
    card = answer.question.card
    lines: list[str | Span | Line] = []
    if card is not None:
        lines += ["", (Span("原句：", bold=True), Span(card.sentence))]
        if card.translation:
            lines.append((Span("译文：", bold=True), Span(card.translation)))
    if answer.words:
        lines += ["", Span("📖 词典", bold=True)]
        for note in answer.words:
            lines += _word_lines(note)
    if answer.expressions:
        lines += ["", Span("💡 地道表达", bold=True)]
        for expression in answer.expressions:
            lines.append((Span(expression.phrase, bold=True), Span(f"：{expression.zh}")))
            if expression.note:
                lines.append(f"   {expression.note}")
            lines.append((Span("   例："), Span(expression.example, italic=True)))
    if answer.examples:
        lines += ["", Span(f"🛠 builders use it like this（{answer.examples_of}）", bold=True)]
        for usage in answer.examples:
            lines += _example_lines(usage)
    if answer.missing:
        shown = "、".join(answer.missing)
        lines += ["", NOTHING_FOUND.format(terms=shown) if answer.empty else f"词典里没有「{shown}」。"]
    return RichText.of(*lines)


def _word_lines(note: WordNote) -> list[str | Span | Line]:
    sound = f" /{note.phonetic}/" if note.phonetic else ""
    first: Line = (Span(note.lemma, bold=True), Span(f"{sound} {note.gloss}"))
    facts = []
    if note.word.lower() != note.lemma.lower():
        facts.append(f"原文 {note.word} 是 {note.lemma} 的变形")
    if note.levels:
        facts.append("考试：" + "、".join(note.levels))
    if note.forms:
        facts.append("变形：" + ", ".join(note.forms))
    return [first, *([f"   {' · '.join(facts)}"] if facts else [])]


def _example_lines(usage: Usage) -> list[str | Span | Line]:
    lines: list[str | Span | Line] = [(Span("• "), Span(usage.en, italic=True), Span(f" — {usage.author}"))]
    if usage.zh:
        lines.append(f"  {usage.zh}")
    return lines

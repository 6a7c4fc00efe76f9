"""The quiz as chat messages: the evening invitation, each kind of question, what an answer gets
back, and the summary. Wording lives next to its layout; `quiz.py` only decides what to send."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import actions
from bot.core.actions import Action
from bot.core.messages import Audio, Button, Poll, Reply, RichText, Span, TypedAnswer, keyboard
from bot.learning.quiz_plan import BLANK, QuestionKind, QuizWord, blanked, find_whole
from bot.learning.review_schedule import Outcome
from bot.storage.learner_days import Streak
from bot.storage.quizzes import Asked, Tally

POLL_QUESTION_CHARS = 290  # Telegram takes 300; the sentence is cut around the word to fit
SENTENCE_AROUND = 110  # characters kept on each side of the word in a long sentence


class Mode:
    DUE = "due"  # words due on the schedule
    TODAY = "today"  # nothing due: today's lesson's key words
    PRACTICE = "practice"  # /quiz with nothing due: recent words, the schedule stays


@dataclass(frozen=True)
class Summary:
    tally: Tally
    streak: Streak
    next_quiz: str  # "下次测验：明天 21:00", or how to get one
    scheduling: bool


def invitation(mode: str, count: int, overdue: int, streak: Streak, quiz_id: int) -> Reply:
    """The pushed message: what tonight's quiz is about, the streak at stake, and a button to begin."""
    if mode == Mode.TODAY:
        head = (Span("🧠 今晚的小测验", bold=True), Span(f" · 今天课上的 {count} 个重点词"))
        english = "A quick quiz on today's key words."
    else:
        late = f"（{overdue} 个逾期）" if overdue else ""
        head = (Span("🧠 今晚的复习", bold=True), Span(f" · {count} 个词到期{late}"))
        english = "Time for tonight's review: a few questions on the words you saved."
    lines: list[str | tuple[Span, ...]] = [head, english]
    if streak.at_risk:
        lines.append(f"🔥 已连续 {streak.days} 天 —— 今天还没学习，做完这次测验就能保住！")
    elif streak.days:
        lines.append(f"🔥 已连续 {streak.days} 天")
    start = Button("开始 ▶ Start", action=Action(actions.QUIZ_START, (str(quiz_id),)).encode())
    return Reply(RichText.of(*lines), buttons=keyboard([start]))


def members_invitation(quiz_id: int, minutes: int) -> Reply:
    """A group's daily quiz where the platform answers each member alone (a Discord server):
    one post, and each member who presses gets their own quiz of their own words."""
    lines = (
        (Span("🧠 今日测验 Daily quiz", bold=True),),
        "每个人复习自己收藏的词，题目只有你自己看得到。",
        "Each of you reviews your own saved words; only you see your questions.",
        f"{minutes} 分钟后在讨论串里公布今天的成绩 🏆",
    )
    start = Button("开始我的测验 ▶ Start", action=Action(actions.QUIZ_NOW, (str(quiz_id),)).encode())
    return Reply(RichText.of(*lines), buttons=keyboard([start]))


def opening(mode: str, count: int) -> Reply:
    """Said before the first question of a quiz that is not about due words."""
    if mode == Mode.TODAY:
        text = f"今天没有到期的词。来 {count} 道题，复习今天课上的重点词 📖（不计入复习计划）"
    elif mode == Mode.PRACTICE:
        text = f"今天没有到期的词 👍 来 {count} 道题练练最近收藏的（不影响复习计划）。"
    else:
        text = f"开始复习：{count} 个词 🧠"
    return Reply(RichText.of(text))


def question_reply(asked: Asked, number: int, total: int, audio: Audio | None) -> Reply:
    """One question. Meaning is a quiz poll; cloze has a button per word; listening and recall
    ask for the word to be typed, with a hint and an "I don't know" button."""
    head = f"{number}/{total}" + (" · 再来一次 again" if asked.redrill else "")
    word = asked.word
    if asked.kind is QuestionKind.MEANING:
        return Reply(poll=meaning_poll(asked, head))
    if asked.kind is QuestionKind.CLOZE:
        return _cloze(asked, head)
    helpers = keyboard(
        [
            Button("💡 提示 hint", action=Action(actions.QUIZ_HINT, (str(asked.id),)).encode()),
            Button("🤷 不知道", action=Action(actions.QUIZ_SKIP, (str(asked.id),)).encode()),
        ]
    )
    if asked.kind is QuestionKind.LISTENING:
        lines: list[str | tuple[Span, ...]] = [
            (Span(f"{head} 🎧 听写 Listening", bold=True),),
            "听这句，写出空格里的词（直接发给我）：" if audio else "写出空格里的词（直接发给我）：",
            (Span(blanked(word) or BLANK, italic=True),),
        ]
        form = TypedAnswer("听写：空格里的词", "the missing word")
        return Reply(RichText.of(*lines), buttons=helpers, audio=audio, typed_answer=form)
    lines = [
        (Span(f"{head} ✍️ 回想 Recall", bold=True),),
        "写出这个英文词（直接发给我）：",
        (Span(masked(word.gloss, word), bold=True),),
    ]
    if word.sentence_zh:
        lines += ["", f"例句：{masked(word.sentence_zh, word)}"]
    return Reply(
        RichText.of(*lines), buttons=helpers, typed_answer=TypedAnswer("回想：这个英文词", "the word")
    )


def meaning_poll(asked: Asked, head: str) -> Poll:
    word = asked.word
    form = _form_in(word) or word.lemma
    prefix = f"{head} 「{form}」在这句里是什么意思？\n"
    sentence = _around(word.sentence_en, form, POLL_QUESTION_CHARS - len(prefix)) if word.sentence_en else ""
    question = prefix + sentence if sentence else f"{head} 「{word.lemma}」是什么意思？"
    return Poll(
        key=poll_key(asked.id),
        question=question,
        options=asked.options,
        correct=asked.correct,
        explanation=_explanation(word),
    )


def cloze_poll(asked: Asked, head: str) -> Poll:
    """A cloze as a poll, for a group quiz where many people answer the same question."""
    word = asked.word
    sentence = _around(blanked(word) or "", BLANK, 220)
    question = f"{head} 填空 Fill in the blank：\n{sentence}"
    return Poll(
        key=poll_key(asked.id),
        question=question,
        options=asked.options,
        correct=asked.correct,
        explanation=_explanation(word),
    )


def _cloze(asked: Asked, head: str) -> Reply:
    word = asked.word
    lines: list[str | tuple[Span, ...]] = [
        (Span(f"{head} 📝 填空 Fill in the blank", bold=True),),
        (Span(blanked(word) or BLANK, italic=True),),
    ]
    if word.sentence_zh:
        lines.append(masked(word.sentence_zh, word))
    if (form := _form_in(word)) and form.lower() != word.lemma.lower():
        lines.append("（选原形 base form）")
    buttons = [
        Button(option, action=Action(actions.QUIZ_PICK, (str(asked.id), str(index))).encode())
        for index, option in enumerate(asked.options)
    ]
    return Reply(RichText.of(*lines), buttons=keyboard(buttons[:2], buttons[2:]))


def graded_cloze(asked: Asked, picked: int) -> Reply:
    """The cloze message again, answered: the blank filled, ✅ or ❌, and no buttons left to press."""
    word = asked.word
    right = asked.correct is not None and picked == asked.correct
    mark = "✅" if right else f"❌ 你选了 {asked.options[picked]}"
    filled = (blanked(word) or "").replace(BLANK, f"【{_form_in(word) or word.lemma}】")
    return Reply(RichText.of((Span(f"📝 {mark}", bold=True),), (Span(filled, italic=True),)), edit=True)


def feedback(asked: Asked, outcome: Outcome, answer: str, *, will_redrill: bool) -> Reply:
    """What an answer gets back: a short ✅, or the right answer with its sentence and translation."""
    word = asked.word
    if outcome.correct:
        note = {
            Outcome.TYPO: f"（拼写小错已原谅：{answer} → {word.lemma}）",
            Outcome.HINTED: "（用了提示）",
        }.get(outcome, "")
        return Reply(
            RichText.of((Span("✅ 对！ "), Span(word.lemma, bold=True), Span(f" — {word.gloss}" + note)))
        )
    said = "" if outcome is Outcome.SKIPPED or not answer else f"（你的答案：{answer}）"
    lines: list[str | tuple[Span, ...]] = [
        (Span("❌ 正确答案："), Span(word.lemma, bold=True), Span(f" — {word.gloss}{said}")),
    ]
    if word.sentence_en:
        lines.append((Span(word.sentence_en, italic=True),))
    if word.sentence_zh:
        lines.append(word.sentence_zh)
    if will_redrill:
        lines.append("这个词会在本次测验最后再出现一次 🔁")
    return Reply(RichText.of(*lines))


def hint_reply(asked: Asked) -> Reply:
    lemma = asked.word.lemma
    shown = " ".join(char if index == 0 or not char.isalpha() else "_" for index, char in enumerate(lemma))
    letters = sum(char.isalpha() for char in lemma)
    return Reply(RichText.of(f"💡 提示：{shown}（{letters} 个字母）"))


def summary_reply(summary: Summary) -> Reply:
    tally = summary.tally
    lines: list[str | tuple[Span, ...]] = [
        (Span("🏁 测验完成 Quiz done", bold=True), Span(f" · {tally.right}/{tally.total} 正确")),
    ]
    if tally.missed:
        lines.append(f"要留意的词：{'、'.join(tally.missed)}")
    elif tally.total:
        lines.append("全对，漂亮！🎉")
    if summary.streak.days:
        lines.append(f"🔥 连续 {summary.streak.days} 天")
    if not summary.scheduling:
        lines.append("这次是练习，复习计划不变。")
    lines.append(
        f"下次测验：{summary.next_quiz}"
        if summary.next_quiz
        else "每日测验推送已关闭：/quiztime 21:00 打开。"
    )
    return Reply(RichText.of(*lines))


def poll_key(question_id: int) -> str:
    return f"quiz-question:{question_id}"


def question_id_of(key: str) -> int | None:
    prefix, _, number = key.partition(":")
    return actions.small_number(number, digits=12) if prefix == "quiz-question" else None


def _explanation(word: QuizWord) -> str:
    return f"{word.lemma}: {word.gloss}" + (f"\n{word.sentence_zh}" if word.sentence_zh else "")


def masked(chinese: str, word: QuizWord) -> str:
    """A translation or gloss with the asked word blanked out: translations of builder posts often
    keep the English term in brackets (批处理大小（batch size）), which would give the answer away."""
    for form in sorted({*word.forms, word.lemma}, key=len, reverse=True):
        chinese = re.sub(
            rf"(?<![A-Za-z-]){re.escape(form)}(?![A-Za-z-])", BLANK, chinese, flags=re.IGNORECASE
        )
    return chinese


def _form_in(word: QuizWord) -> str | None:
    """The form the word takes in its sentence, as written there."""
    if not word.sentence_en:
        return None
    for form in sorted({*word.forms, word.lemma}, key=len, reverse=True):
        found = find_whole(word.sentence_en, form)
        if found is not None:
            return word.sentence_en[found[0] : found[1]]
    return None


def _around(sentence: str, form: str, room: int) -> str:
    """The sentence, or the part of it around `form` with … marking the cuts, within `room` characters."""
    if len(sentence) <= room:
        return sentence
    where = sentence.lower().find(form.lower())
    half = max(10, (room - len(form)) // 2 - 1)
    start = max(0, where - half) if where >= 0 else 0
    end = min(len(sentence), start + room - 2)
    return ("…" if start else "") + sentence[start:end].strip() + ("…" if end < len(sentence) else "")

"""/stats: a learner's last 30 days and their words by memory state, as a picture and one line.

The numbers come from the learner's days (cards read, words saved, quiz answers) and the review
schedule (new / learning / known from FSRS state and stability). The chart is drawn off the event
loop: matplotlib takes a fifth of a second, which the bot's other chats must not wait for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from bot.core import texts
from bot.core.messages import Photo, Reply, RichText
from bot.core.turn import Turn
from bot.learning.progress_chart import (
    WINDOW_DAYS,
    DayProgress,
    MemoryCounts,
    find_cjk_font,
    render_progress_chart,
)
from bot.learning.review_schedule import Memory
from bot.storage import learner_days, review_cards
from bot.storage.learner_days import Streak


@dataclass(frozen=True)
class Progress:
    today: dt.date
    days: list[DayProgress]
    memory: MemoryCounts
    streak: Streak


async def stats(turn: Turn) -> list[Reply]:
    if turn.is_group:  # one person's progress is their business, not the group's
        return [Reply(RichText.of(texts.PRIVATE_ONLY))]
    progress = await turn.db(lambda session: _progress(turn, session))
    png = await asyncio.to_thread(
        render_progress_chart,
        progress.days,
        progress.memory,
        title="我的学习 My progress",
        font_path=find_cjk_font(),
        today=progress.today,
    )
    line = summary_line(progress)
    return [Reply(RichText.of(line)), Reply(photo=Photo(f"buildspeak-stats-{progress.today}.png", png, line))]


def _progress(turn: Turn, session: Session) -> Progress:
    learner = turn.learner(session)
    assert learner.id is not None
    today = turn.learner_today(learner)
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    days = [
        DayProgress(day.local_date, day.cards_read, day.words_saved, day.answered, day.correct)
        for day in learner_days.days_since(session, learner_id=learner.id, first=first)
    ]
    known = turn.quizzes.config.rules.known_stability
    counts = review_cards.memory_counts(session, learner_id=learner.id, known_stability=known)
    memory = MemoryCounts(counts[Memory.NEW], counts[Memory.LEARNING], counts[Memory.KNOWN])
    streak = learner_days.streak(session, learner_id=learner.id, today=today)
    return Progress(today, days, memory, streak)


def summary_line(progress: Progress) -> str:
    """The chart in one line, for a quick look (and for platforms that show captions first)."""
    read = sum(day.cards_read for day in progress.days)
    saved = sum(day.words_saved for day in progress.days)
    answered = sum(day.answered for day in progress.days)
    correct = sum(day.correct for day in progress.days)
    accuracy = f"{round(100 * correct / answered)}%" if answered else "—"
    memory = progress.memory
    streak = f"🔥 连续 {progress.streak.days} 天 · " if progress.streak.days else ""
    return (
        f"📊 {streak}近 {WINDOW_DAYS} 天：读了 {read} 句，收藏 {saved} 个词，测验正确率 {accuracy}"
        f"（{correct}/{answered}）· 生词：新 {memory.new} / 学习中 {memory.learning} / 已掌握 {memory.known}"
    )

"""Two kinds of push to the same subscribers on the same day: each goes out once, neither blocks the other.

The quiz here is a test stand-in with a fixed question (the real quiz is its own issue); what is
tested is the delivery: its own ledger rows, its own time of day (`quiz_time`), its own pusher
beside the lesson's, a quiz poll sent through the real Telegram adapter to the fake Bot API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.core.messages import Poll, Reply
from bot.core.turn import Services
from bot.delivery.content import DailyLessons
from bot.observability.metrics import Metrics
from bot.storage.push_ledger import Claim, DueSubscriber
from bot.storage.tables import PushKind
from tests.adapters.telegram_harness import running_bot
from tests.delivery.push_support import Sessions, add_subscribers, ledger, texts_to


class EveningQuestion:
    """A quiz-kind push: one question for everyone, nothing for a subscriber who opted out (skipped)."""

    kind = PushKind.QUIZ

    def __init__(self, skip: frozenset[str] = frozenset()) -> None:
        self.skip = skip

    def content_id(self, local_date: dt.date) -> str | None:
        return f"quiz-{local_date}"

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """One question for everyone: nothing to work out per subscriber."""

    async def replies(self, claim: Claim) -> Sequence[Reply]:
        if claim.subscriber.chat_id in self.skip:
            return []
        quiz = Poll(
            key=f"{claim.content_id}:{claim.subscriber.chat_id}",
            question="📝 今日测验：engulf 在这里是什么意思？",
            options=("吞没", "建造", "出售"),
            correct=0,
            explanation="engulf = 吞没；The fire engulfed the house.",
        )
        return [Reply(poll=quiz)]


async def test_a_lesson_and_a_quiz_reach_each_subscriber_once_on_the_same_day(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [2101, 2102, 2103], lesson_time=dt.time(8, 0))
    quiz = EveningQuestion(skip=frozenset({"2103"}))
    async with running_bot(services, contents=[DailyLessons(services.shelf), quiz]) as bot:
        lesson_pusher, quiz_pusher = bot.runtime.pushers
        assert (lesson_pusher.content.kind, quiz_pusher.content.kind) == (PushKind.LESSON, PushKind.QUIZ)
        # 09:00 in Shanghai: lesson time (08:00) has come, quiz time (20:00, the default) has not.
        first = await lesson_pusher.run_once()
        early = await quiz_pusher.run_once()
        services.clock.moment = dt.datetime(2026, 11, 22, 12, 30, tzinfo=dt.UTC)  # type: ignore[attr-defined]
        evening = await quiz_pusher.run_once()
        again = [await lesson_pusher.run_once(), await quiz_pusher.run_once()]
        received = {chat: texts_to(bot.fake, chat) for chat in (2101, 2102, 2103)}
    assert (first.sent, early.sent, early.settled) == (3, 0, 0)
    assert (evening.sent, evening.skipped) == (2, 1)
    assert all(report.settled == 0 for report in again), "each kind goes once a day"
    for chat in (2101, 2102):
        lesson, quiz_message = bot.fake.messages(chat)
        assert "【1/" in (lesson.text or "") and quiz_message.poll is not None
        assert quiz_message.poll["type"] == "quiz" and quiz_message.poll["correct_option_ids"] == [0]
        assert quiz_message.poll["question"].startswith("📝 今日测验")
    assert len(received[2103]) == 1, "skipped: no quiz message at all"
    quiz_rows = [row for found in ledger(sessions).values() for row in found if row.kind == "quiz"]
    sent_ids = {str(bot.fake.messages(chat)[1].message_id) for chat in (2101, 2102)}
    assert {row.message_id for row in quiz_rows if row.state == "sent"} == sent_ids, "the poll's message id"
    kinds = sorted((row.kind, row.state) for row in ledger(sessions)["2103"])
    assert kinds == [("lesson", "sent"), ("quiz", "skipped")]


async def test_the_push_counts_its_messages_and_how_late_they_went_out(
    services: Services, sessions: Sessions
) -> None:
    metrics = Metrics()
    services = dataclasses.replace(services, metrics=metrics)
    add_subscribers(sessions, [2201, 2202], lesson_time=dt.time(8, 0))
    add_subscribers(sessions, [2203], lesson_time=dt.time(8, 30))
    quiz = EveningQuestion(skip=frozenset({"2202"}))
    async with running_bot(services, contents=[DailyLessons(services.shelf), quiz]) as bot:
        lesson_pusher, quiz_pusher = bot.runtime.pushers
        await lesson_pusher.run_once()  # 09:00 in Shanghai: an hour after 08:00, half after 08:30
        services.clock.moment = dt.datetime(2026, 11, 22, 12, 30, tzinfo=dt.UTC)  # type: ignore[attr-defined]
        await quiz_pusher.run_once()  # 20:30: half an hour after the quiz time
    families = {
        family.name: family
        for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
    }
    sent = {
        (sample.labels["kind"], sample.labels["outcome"]): sample.value
        for sample in families["buildspeak_messages"].samples
        if sample.name == "buildspeak_messages_total" and sample.labels["platform"] == "telegram"
    }
    assert sent == {("lesson", "sent"): 3, ("quiz", "sent"): 2, ("quiz", "skipped"): 1}
    lag = {
        (sample.labels["kind"], sample.labels["le"]): sample.value
        for sample in families["buildspeak_push_lag_seconds"].samples
        if sample.name.endswith("_bucket")
    }
    assert lag[("lesson", "1800.0")] == 1 and lag[("lesson", "3600.0")] == 3  # 30 min late, then 60
    assert lag[("quiz", "1800.0")] == 2 and lag[("quiz", "600.0")] == 0

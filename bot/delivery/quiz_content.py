"""What the daily quiz push sends: an invitation to tonight's review, or nothing at all.

The push does not build the questions: it says how many words wait and leaves a 开始 ▶ button.
The questions are drawn when the learner starts, from what is due then, so a word saved after
the push is in, and the time an answer takes is counted from its question, not from 21:00. A
retried push finds the quiz it made before (its `daily_key`), so a second copy has the same button.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from bot.clock import Clock
from bot.core import group_quiz, quiz_view
from bot.core.messages import Reply
from bot.core.quiz_kit import QuizKit, end_of_day, start_of_day
from bot.core.quiz_view import Mode
from bot.core.shelf import LessonShelf
from bot.core.timezones import zone_of
from bot.storage import learner_days, quizzes, review_cards
from bot.storage.learners import find_learner
from bot.storage.push_ledger import Claim
from bot.storage.tables import Learner, PushKind, QuizOrigin, Subscriber

PRIVATE = "private"


class DailyQuizzes:
    """The quiz push: a learner with nothing due and nothing read gets no message; a group gets polls."""

    kind = PushKind.QUIZ

    def __init__(
        self,
        shelf: LessonShelf,
        kit: QuizKit,
        sessions: Callable[[], Session],
        clock: Clock,
        *,
        default_zone: str,
    ) -> None:
        self.shelf = shelf
        self.clock = clock
        self.kit = kit
        self.sessions = sessions
        self.default_zone = default_zone

    def content_id(self, date: dt.date) -> str | None:
        return f"quiz-{date.isoformat()}"

    async def replies(self, claim: Claim) -> list[Reply]:
        if claim.subscriber.chat_kind != PRIVATE:
            return await asyncio.to_thread(self._group_quiz, claim)
        return await asyncio.to_thread(self._invitation, claim)

    def _group_quiz(self, claim: Claim) -> list[Reply]:
        """A group's quiz: polls on its recent lessons, everyone answering at once."""
        with self.sessions() as session:
            subscriber = session.get(Subscriber, claim.subscriber.id)
            if subscriber is None:
                return []
            return group_quiz.build(
                session,
                shelf=self.shelf,
                kit=self.kit,
                platform=subscriber.platform,
                chat_id=subscriber.chat_id,
                local_date=claim.local_date,
                now=self.clock.now(),
            )

    def _invitation(self, claim: Claim) -> list[Reply]:
        with self.sessions() as session:
            subscriber = session.get(Subscriber, claim.subscriber.id)
            if subscriber is None:
                return []
            learner = find_learner(session, platform=subscriber.platform, user_id=subscriber.user_id)
            if learner is None or learner.id is None:
                return []  # never saved a word nor read a card here
            waiting = self._waiting(session, learner, claim.local_date)
            if waiting is None:
                return []
            mode, count, overdue = waiting
            quiz = quizzes.daily_quiz(
                session,
                daily_key=f"{subscriber.platform}:{subscriber.chat_id}:{claim.local_date.isoformat()}",
                platform=subscriber.platform,
                chat_id=subscriber.chat_id,
                learner_id=learner.id,
                origin=QuizOrigin.DAILY,
                local_date=claim.local_date,
                now=self.clock.now(),
            )
            streak = learner_days.streak(session, learner_id=learner.id, today=claim.local_date)
            assert quiz.id is not None
            return [quiz_view.invitation(mode, count, overdue, streak, quiz.id)]

    def _waiting(self, session: Session, learner: Learner, today: dt.date) -> tuple[str, int, int] | None:
        """What tonight's quiz would ask: (mode, words, of which overdue), or None for no quiz."""
        assert learner.id is not None
        zone = zone_of(learner.timezone or self.default_zone)
        limit = self.kit.config.max_questions
        due = review_cards.due_words(session, learner_id=learner.id, by=end_of_day(today, zone), limit=limit)
        if due:
            overdue = sum(word.due < start_of_day(today, zone) for word in due)
            return Mode.DUE, len(due), overdue
        day = learner_days.day_of(session, learner_id=learner.id, local_date=today)
        if day is not None and day.lesson_id:
            lesson = self.shelf.catalog.lessons.get(day.lesson_id)
            if lesson is not None:
                words = {word.lemma.lower() for card in self.shelf.deck(lesson).cards for word in card.words}
                if words:
                    return Mode.TODAY, min(len(words), self.kit.config.today_words), 0
        return None

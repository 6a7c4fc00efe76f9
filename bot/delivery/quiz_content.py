"""What the daily quiz push sends: an invitation to tonight's review, or nothing at all.

For a page of due subscribers at a time (`prepare`), in a handful of queries: their learners, the
words each has due (8 at most, most overdue first), those words' entries, the questions planned,
and the quizzes made ready with them. Each subscriber's message is then waiting when their claim
comes (`replies`): an invitation that says how many words wait, the streak at stake, and a 开始 ▶
button. The questions are shown one at a time once the learner starts, and each answer's time is
counted from its question. Nothing due but a lesson read today: the invitation is for a quiz on
that lesson's key words, planned when it starts. Nothing at all: no message. A retried push finds
the quiz it made (its `daily_key`), so a second copy carries the same button.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.clock import Clock
from bot.core import group_quiz, quiz_view
from bot.core.messages import Reply
from bot.core.quiz_kit import QuizKit, end_of_day, start_of_day
from bot.core.quiz_sources import book_word
from bot.core.quiz_view import Mode
from bot.core.shelf import LessonShelf
from bot.core.timezones import zone_of
from bot.learning.quiz_plan import plan_quiz
from bot.storage import learner_days, quizzes, review_cards
from bot.storage.learner_days import Streak
from bot.storage.learners import learners_by_user
from bot.storage.push_ledger import Claim, DueSubscriber
from bot.storage.quizzes import ReadyQuiz
from bot.storage.review_cards import DueWord
from bot.storage.tables import Learner, LearnerDay, PushKind, Subscriber
from bot.storage.vocabulary_book import sentences_by_id

PRIVATE = "private"
STREAK_WINDOW = 60  # days read per page for streaks; a longer streak is counted on its own
PREPARED_KEPT = 4096  # invitations waiting for their claims, at most (a page is 500)


@dataclass(frozen=True)
class _Tonight:
    """What one learner's invitation says."""

    mode: str
    count: int
    overdue: int


class DailyQuizzes:
    """The quiz push: an invitation per learner with something to review; polls for a group."""

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
        self.kit = kit
        self.sessions = sessions
        self.clock = clock
        self.default_zone = default_zone
        self._prepared: dict[int, list[Reply]] = {}  # subscriber id → its invitation (or nothing)
        self._lesson_words: dict[str, int] = {}

    def content_id(self, date: dt.date) -> str | None:
        return f"quiz-{date.isoformat()}"

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """Work out a page of due subscribers' invitations in one go, before their claims come."""
        private = [subscriber for subscriber in page if subscriber.chat_kind == PRIVATE]
        if not private:
            return
        prepared = await asyncio.to_thread(self._prepare_page, platform, local_date, private)
        if len(self._prepared) > PREPARED_KEPT:  # claims someone else took never come for theirs
            self._prepared.clear()
        self._prepared.update(prepared)

    async def replies(self, claim: Claim) -> list[Reply]:
        if claim.subscriber.chat_kind != PRIVATE:
            return await asyncio.to_thread(self._group_quiz, claim)
        prepared = self._prepared.pop(claim.subscriber.id, None)
        if prepared is not None:
            return prepared
        return await asyncio.to_thread(self._one, claim)  # not prepared (a retry after a restart)

    def _one(self, claim: Claim) -> list[Reply]:
        with self.sessions() as session:
            subscriber = session.get(Subscriber, claim.subscriber.id)
        if subscriber is None:
            return []
        page = self._prepare_page(subscriber.platform, claim.local_date, [claim.subscriber])
        return page.get(claim.subscriber.id, [])

    def _prepare_page(
        self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]
    ) -> dict[int, list[Reply]]:
        with self.sessions() as session:
            learners = learners_by_user(session, platform=platform, user_ids=[s.user_id for s in page])
            ids = [learner.id for learner in learners.values() if learner.id is not None]
            due = self._due(session, list(learners.values()), local_date)
            days = learner_days.recent_days_of(
                session, learner_ids=ids, first=local_date - dt.timedelta(days=STREAK_WINDOW)
            )
            entries = sentences_by_id(
                session, [word.saved_word_id for words in due.values() for word in words]
            )
            tonight: dict[int, _Tonight] = {}
            ready: list[ReadyQuiz] = []
            for subscriber in page:
                learner = learners.get(subscriber.user_id)
                if learner is None or learner.id is None:
                    continue
                plan = self._tonight(learner, due.get(learner.id, []), days.get(learner.id, {}), local_date)
                if plan is None:
                    continue
                words = [
                    book_word(entries[w.saved_word_id])
                    for w in due.get(learner.id, [])
                    if w.saved_word_id in entries
                ]
                questions = (
                    plan_quiz(words, self.kit.choices, self.kit.rng((learner.id, local_date)))
                    if words
                    else []
                )
                key = f"{platform}:{subscriber.chat_id}:{local_date.isoformat()}"
                ready.append(ReadyQuiz(key, platform, subscriber.chat_id, learner.id, local_date, questions))
                tonight[subscriber.id] = plan
            quiz_ids = quizzes.prepare_daily_quizzes(session, ready, now=self.clock.now())
            streaks = {
                learner.id: self._streak(session, learner.id, days.get(learner.id, {}), local_date)
                for learner in learners.values()
                if learner.id is not None
            }
        return {
            subscriber.id: self._invitation(
                subscriber, platform, local_date, tonight, learners, streaks, quiz_ids
            )
            for subscriber in page
        }

    def _invitation(
        self,
        subscriber: DueSubscriber,
        platform: str,
        local_date: dt.date,
        tonight: dict[int, _Tonight],
        learners: dict[str, Learner],
        streaks: dict[int, Streak],
        quiz_ids: dict[str, int],
    ) -> list[Reply]:
        plan = tonight.get(subscriber.id)
        learner = learners.get(subscriber.user_id)
        if plan is None or learner is None or learner.id is None:
            return []
        quiz_id = quiz_ids[f"{platform}:{subscriber.chat_id}:{local_date.isoformat()}"]
        return [quiz_view.invitation(plan.mode, plan.count, plan.overdue, streaks[learner.id], quiz_id)]

    def _due(
        self, session: Session, learners: list[Learner], local_date: dt.date
    ) -> dict[int, list[DueWord]]:
        """Each learner's words due by the end of their day: one query per timezone on the page."""
        by_zone: dict[str, list[int]] = {}
        for learner in learners:
            if learner.id is not None:
                by_zone.setdefault(learner.timezone or self.default_zone, []).append(learner.id)
        due: dict[int, list[DueWord]] = {}
        for zone, ids in by_zone.items():
            by = end_of_day(local_date, zone_of(zone))
            due |= review_cards.due_words_of(
                session, learner_ids=ids, by=by, limit=self.kit.config.max_questions
            )
        return due

    def _tonight(
        self, learner: Learner, due: list[DueWord], days: dict[dt.date, LearnerDay], today: dt.date
    ) -> _Tonight | None:
        """What tonight's quiz asks: the due words (how many overdue), else today's lesson, else nothing."""
        if due:
            day_start = start_of_day(today, zone_of(learner.timezone or self.default_zone))
            return _Tonight(Mode.DUE, len(due), sum(word.due < day_start for word in due))
        read = days.get(today)
        if read is not None and read.lesson_id:
            count = self._lesson_word_count(read.lesson_id)
            if count:
                return _Tonight(Mode.TODAY, min(count, self.kit.config.today_words), 0)
        return None

    def _lesson_word_count(self, lesson_id: str) -> int:
        if lesson_id not in self._lesson_words:
            lesson = self.shelf.catalog.lessons.get(lesson_id)
            cards = self.shelf.deck(lesson).cards if lesson is not None else ()
            self._lesson_words[lesson_id] = len({word.lemma.lower() for card in cards for word in card.words})
        return self._lesson_words[lesson_id]

    @staticmethod
    def _streak(session: Session, learner_id: int, days: dict[dt.date, LearnerDay], today: dt.date) -> Streak:
        active = {date for date, day in days.items() if day.cards_read > 0 or day.quizzes_finished > 0}
        streak = learner_days.streak_of(active, today)
        if streak.days >= STREAK_WINDOW:  # as long as the window: count it in full
            return learner_days.streak(session, learner_id=learner_id, today=today)
        return streak

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

"""What the daily quiz push sends: an invitation to tonight's review, or nothing at all.

A learner's quiz is built once (`build`): the words due by the end of their day (8 at most, most
overdue first), those words' entries and sentences, the questions and options planned, written
as a ready quiz with what its invitation announces. `QuizzesAhead` builds them a little before
quiz time, so the push (`prepare`, a page of due subscribers at a time) only reads the built
quizzes back and adds each learner's streak; a quiz not built yet (no build ahead, a learner who
became due since) is built then, in the same few queries per page. Each subscriber's message is
waiting when their claim comes (`replies`): an invitation that says how many words wait, the
streak at stake, and a 开始 ▶ button. The questions are shown one at a time once the learner
starts, and each answer's time is counted from its question. Nothing due but a lesson read
today: the invitation is for a quiz on that lesson's key words, planned when it starts. Nothing
at all: no message. A retried push finds the quiz it made (its `daily_key`), so a second copy
carries the same button.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Collection, Sequence

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
from bot.storage.quizzes import BuiltQuiz, Invitation, ReadyQuiz
from bot.storage.review_cards import DueWord
from bot.storage.tables import Learner, LearnerDay, PushKind, Subscriber
from bot.storage.vocabulary_book import sentences_by_id

PRIVATE = "private"
STREAK_WINDOW = 60  # days read per page for streaks; a longer streak is counted on its own
PREPARED_KEPT = 4096  # invitations waiting for their claims, at most (a page is 500)


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
        members_alone: Collection[str] = (),
    ) -> None:
        self.shelf = shelf
        # Platforms that answer a group's members each alone (Discord): their groups get one post
        # that starts each member's own quiz, not polls for everyone.
        self.members_alone = frozenset(members_alone)
        self.kit = kit
        self.sessions = sessions
        self.clock = clock
        self.default_zone = default_zone
        self._prepared: dict[int, list[Reply]] = {}  # subscriber id → its invitation (or nothing)
        self._lesson_words: dict[str, int] = {}

    def content_id(self, date: dt.date) -> str | None:
        return f"quiz-{date.isoformat()}"

    async def build(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> int:
        """Build the quizzes of a page of subscribers ahead of their quiz time, those not built
        yet; how many were built (a learner with nothing to review gets none)."""
        private = [subscriber for subscriber in page if subscriber.chat_kind == PRIVATE]
        if not private:
            return 0
        return await asyncio.to_thread(self._build_missing, platform, local_date, private)

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """Work out a page of due subscribers' invitations in one go, before their claims come."""
        private = [subscriber for subscriber in page if subscriber.chat_kind == PRIVATE]
        if not private:
            return
        prepared = await asyncio.to_thread(self._invitations, platform, local_date, private)
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
        page = self._invitations(subscriber.platform, claim.local_date, [claim.subscriber])
        return page.get(claim.subscriber.id, [])

    def _build_missing(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> int:
        keys = {subscriber.id: daily_key(platform, subscriber, local_date) for subscriber in page}
        with self.sessions() as session:
            built = quizzes.built_quizzes(session, list(keys.values()))
            missing = [subscriber for subscriber in page if keys[subscriber.id] not in built]
            return len(self._build(session, platform, local_date, missing))

    def _invitations(
        self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]
    ) -> dict[int, list[Reply]]:
        """Each subscriber's invitation: their quiz as built ahead, or built now, and their streak."""
        keys = {subscriber.id: daily_key(platform, subscriber, local_date) for subscriber in page}
        with self.sessions() as session:
            built = quizzes.built_quizzes(session, list(keys.values()))
            missing = [subscriber for subscriber in page if keys[subscriber.id] not in built]
            built |= self._build(session, platform, local_date, missing)
            streaks = self._streaks(session, {quiz.learner_id for quiz in built.values()}, local_date)
        invitations: dict[int, list[Reply]] = {}
        for subscriber in page:
            quiz = built.get(keys[subscriber.id])
            invitations[subscriber.id] = [] if quiz is None else [self._invitation(quiz, streaks)]
        return invitations

    @staticmethod
    def _invitation(quiz: BuiltQuiz, streaks: dict[int, Streak]) -> Reply:
        said = quiz.invitation
        return quiz_view.invitation(said.mode, said.words, said.overdue, streaks[quiz.learner_id], quiz.id)

    def _build(
        self, session: Session, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]
    ) -> dict[str, BuiltQuiz]:
        """Build a page's quizzes in a handful of queries: daily key → quiz, for the learners with
        something to review (due words, else today's lesson)."""
        if not page:
            return {}
        learners = learners_by_user(session, platform=platform, user_ids=[s.user_id for s in page])
        ids = [learner.id for learner in learners.values() if learner.id is not None]
        due = self._due(session, list(learners.values()), local_date)
        today = learner_days.recent_days_of(session, learner_ids=ids, first=local_date)
        entries = sentences_by_id(session, [word.saved_word_id for words in due.values() for word in words])
        ready: list[ReadyQuiz] = []
        for subscriber in page:
            learner = learners.get(subscriber.user_id)
            if learner is None or learner.id is None:
                continue
            words = due.get(learner.id, [])
            said = self._tonight(learner, words, today.get(learner.id, {}).get(local_date), local_date)
            if said is None:
                continue
            quiz_words = [book_word(entries[w.saved_word_id]) for w in words if w.saved_word_id in entries]
            rng = self.kit.rng((learner.id, local_date))
            questions = plan_quiz(quiz_words, self.kit.choices, rng) if quiz_words else []
            key = daily_key(platform, subscriber, local_date)
            ready.append(
                ReadyQuiz(key, platform, subscriber.chat_id, learner.id, local_date, questions, said)
            )
        quiz_ids = quizzes.prepare_daily_quizzes(session, ready, now=self.clock.now())
        return {
            quiz.daily_key: BuiltQuiz(quiz_ids[quiz.daily_key], quiz.learner_id, quiz.invitation)
            for quiz in ready
            if quiz.invitation is not None
        }

    def _streaks(self, session: Session, learner_ids: set[int], today: dt.date) -> dict[int, Streak]:
        days = learner_days.recent_days_of(
            session, learner_ids=list(learner_ids), first=today - dt.timedelta(days=STREAK_WINDOW)
        )
        return {
            learner_id: self._streak(session, learner_id, days.get(learner_id, {}), today)
            for learner_id in learner_ids
        }

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
        self, learner: Learner, due: list[DueWord], read: LearnerDay | None, today: dt.date
    ) -> Invitation | None:
        """What tonight's quiz asks: the due words (how many overdue), else today's lesson, else nothing."""
        if due:
            day_start = start_of_day(today, zone_of(learner.timezone or self.default_zone))
            return Invitation(Mode.DUE, len(due), sum(word.due < day_start for word in due))
        if read is not None and read.lesson_id:
            count = self._lesson_word_count(read.lesson_id)
            if count:
                return Invitation(Mode.TODAY, min(count, self.kit.config.today_words))
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
            if subscriber.platform in self.members_alone:
                return group_quiz.members_post(
                    session, kit=self.kit, platform=subscriber.platform, chat_id=subscriber.chat_id,
                    local_date=claim.local_date, now=self.clock.now(),
                )  # fmt: skip
            return group_quiz.build(
                session,
                shelf=self.shelf,
                kit=self.kit,
                platform=subscriber.platform,
                chat_id=subscriber.chat_id,
                local_date=claim.local_date,
                now=self.clock.now(),
            )


def daily_key(platform: str, subscriber: DueSubscriber, local_date: dt.date) -> str:
    """A pushed quiz's key: one per chat and local date, whoever builds it and however often."""
    return f"{platform}:{subscriber.chat_id}:{local_date.isoformat()}"

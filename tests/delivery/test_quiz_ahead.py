"""Tonight's quizzes built before quiz time: the push then reads them back instead of working
them out while it sends, and says exactly what it would have said."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlmodel import func, select

from bot.clock import FixedClock
from bot.core.actions import QUIZ_START, decode
from bot.core.turn import Services
from bot.delivery.quiz_ahead import QuizzesAhead
from bot.delivery.quiz_content import DailyQuizzes
from bot.runtime.assembly import quizzes_ahead
from bot.storage import learner_days, quizzes
from bot.storage.learners import learner_of
from bot.storage.tables import Quiz, QuizQuestion
from tests.core.quiz_support import Sessions, quiz_services
from tests.delivery.push_support import add_subscribers
from tests.delivery.test_quiz_push import (
    NOON,
    QUIZ_TIME,
    RecordingSender,
    invitation_text,
    learner_with_words,
    pusher,
)

AHEAD = dt.timedelta(minutes=30)  # NOON is 20:30 in Shanghai: quiz time 21:00 is 30 minutes off


@pytest.fixture
def noon(services: Services) -> Services:
    return quiz_services(replace(services, clock=FixedClock(NOON)))


def ahead(services: Services, *, by: dt.timedelta = AHEAD) -> QuizzesAhead:
    assert services.quizzes is not None
    content = DailyQuizzes(
        services.shelf, services.quizzes, services.sessions, services.clock, default_zone="Asia/Shanghai"
    )
    return QuizzesAhead(content, ["telegram"], services.sessions, services.clock, ahead=by)


def quiz_rows(sessions: Sessions) -> list[Quiz]:
    with sessions() as session:
        return list(session.exec(select(Quiz).order_by(Quiz.id)).all())


def question_count(sessions: Sessions) -> int:
    with sessions() as session:
        return session.exec(select(func.count()).select_from(QuizQuestion)).one()


def start_button_quiz(sender: RecordingSender, chat: int) -> str:
    (replies,) = sender.sent[str(chat)]
    (button,) = replies[0].buttons[0]
    assert button.action is not None
    action = decode(button.action)
    assert action.verb == QUIZ_START
    return action.args[0]


async def test_quizzes_due_within_the_lead_are_built_and_the_push_sends_them_as_built(
    noon: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [11], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    add_subscribers(sessions, [12], timezone="America/New_York", quiz_time=QUIZ_TIME)  # 07:30 there
    learner_with_words(sessions, 11, "moat", "leverage")
    learner_with_words(sessions, 12, "moat")

    assert await ahead(noon).run_once() == 1
    (quiz,) = quiz_rows(sessions)
    assert (quiz.chat_id, quiz.state, quiz.local_date) == ("11", "ready", NOON.date())
    assert (quiz.invitation_mode, quiz.invitation_words, quiz.invitation_overdue) == ("due", 2, 2)
    assert question_count(sessions) == 2, "the questions are planned with the build"

    clock = noon.clock
    assert isinstance(clock, FixedClock)
    clock.advance(AHEAD)  # 21:00 in Shanghai
    sender = RecordingSender()
    report = await pusher(noon, sender).run_once()
    assert report.sent == 1 and list(sender.sent) == ["11"]
    assert "2 个词到期（2 个逾期）" in invitation_text(sender, 11), "saved yesterday: overdue"
    assert start_button_quiz(sender, 11) == str(quiz.id), "the push sends the quiz built ahead"
    assert len(quiz_rows(sessions)) == 1 and question_count(sessions) == 2, "nothing built twice"


async def test_building_again_or_from_a_second_worker_builds_nothing_more(
    noon: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [21, 22], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    learner_with_words(sessions, 21, "moat")
    learner_with_words(sessions, 22, "leverage")
    first = ahead(noon)
    assert await first.run_once() == 2
    assert await first.run_once() == 0, "each subscriber is tried once a day"
    assert await ahead(noon).run_once() == 0, "another worker finds them built"
    assert len(quiz_rows(sessions)) == 2 and question_count(sessions) == 2


async def test_a_quiz_time_beyond_the_lead_is_not_built_yet(noon: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, [31], timezone="Asia/Shanghai", quiz_time=dt.time(21, 30))
    learner_with_words(sessions, 31, "moat")
    assert await ahead(noon).run_once() == 0 and quiz_rows(sessions) == []
    assert await ahead(noon, by=dt.timedelta(hours=1)).run_once() == 1


async def test_the_lead_can_reach_into_tomorrow(noon: Services, sessions: Sessions) -> None:
    """23:50 in Shanghai with a 30-minute lead: a 00:10 quiz time is tomorrow's quiz."""
    add_subscribers(sessions, [41], timezone="Asia/Shanghai", quiz_time=dt.time(0, 10))
    learner_with_words(sessions, 41, "moat")
    clock = noon.clock
    assert isinstance(clock, FixedClock)
    clock.advance(dt.timedelta(hours=3, minutes=20))  # 23:50 in Shanghai
    assert await ahead(noon).run_once() == 1
    (quiz,) = quiz_rows(sessions)
    assert quiz.local_date == NOON.date() + dt.timedelta(days=1)


async def test_the_streak_is_the_one_at_push_time_not_at_the_build(
    noon: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [51], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    learner_with_words(sessions, 51, "moat")
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="51", now=NOON)
        assert learner.id is not None
        yesterday = NOON.date() - dt.timedelta(days=1)
        learner_days.bump(session, learner_id=learner.id, local_date=yesterday, cards_read=1)
        session.commit()
    assert await ahead(noon).run_once() == 1
    with sessions() as session:  # the learner reads today's lesson after the build
        learner_days.bump(session, learner_id=learner.id, local_date=NOON.date(), cards_read=3)
        session.commit()
    clock = noon.clock
    assert isinstance(clock, FixedClock)
    clock.advance(AHEAD)
    sender = RecordingSender()
    await pusher(noon, sender).run_once()
    text = invitation_text(sender, 51)
    assert "已连续 2 天" in text and "保住" not in text, text


async def test_nothing_to_review_at_the_build_is_left_to_the_push(noon: Services, sessions: Sessions) -> None:
    """Nothing due and today's lesson not read by the build: read before quiz time, it is quizzed."""
    add_subscribers(sessions, [61], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="61", now=NOON)
        assert learner.id is not None
    assert await ahead(noon).run_once() == 0 and quiz_rows(sessions) == []
    lesson = next(iter(noon.shelf.catalog.lessons))
    with sessions() as session:
        learner_days.bump(
            session, learner_id=learner.id, local_date=NOON.date(), lesson_id=lesson, cards_read=1
        )
        session.commit()
    clock = noon.clock
    assert isinstance(clock, FixedClock)
    clock.advance(AHEAD)
    sender = RecordingSender()
    await pusher(noon, sender).run_once()
    assert "今天课上的" in invitation_text(sender, 61)


async def test_groups_are_not_built_ahead(noon: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, [-71], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    assert await ahead(noon).run_once() == 0 and quiz_rows(sessions) == []


async def test_a_quiz_started_before_its_push_is_not_read_back_as_waiting(
    noon: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [81], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    learner_with_words(sessions, 81, "moat")
    await ahead(noon).run_once()
    (quiz,) = quiz_rows(sessions)
    with sessions() as session:
        assert list(quizzes.built_quizzes(session, [quiz.daily_key or ""])) == [quiz.daily_key]
        row = session.get(Quiz, quiz.id)
        assert row is not None
        row.state = "open"
        session.add(row)
        session.commit()
        assert quizzes.built_quizzes(session, [quiz.daily_key or ""]) == {}


def test_the_build_ahead_job_exists_only_when_quizzes_are_pushed_and_asked_for(noon: Services) -> None:
    assert noon.quizzes is not None
    content = DailyQuizzes(noon.shelf, noon.quizzes, noon.sessions, noon.clock, default_zone="UTC")
    job = quizzes_ahead([content], ["telegram"], noon.sessions, noon.clock)
    assert job is not None and job.ahead == dt.timedelta(minutes=30)
    assert quizzes_ahead([], ["telegram"], noon.sessions, noon.clock) is None
    off = quiz_services(noon, build_ahead=dt.timedelta(0))
    assert off.quizzes is not None
    content = DailyQuizzes(off.shelf, off.quizzes, off.sessions, off.clock, default_zone="UTC")
    assert quizzes_ahead([content], ["telegram"], off.sessions, off.clock) is None

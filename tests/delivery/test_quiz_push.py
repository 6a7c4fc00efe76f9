"""The daily quiz push: at each chat's quiz time, once per local day, through the same ledger and
pusher as the lesson; an invitation when words wait, nothing at all when none do; a group's polls
and, when its quiz closes, the results with the day's top scorers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pytest
from sqlmodel import select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind, PollAnswer, Reply
from bot.core.quiz_view import question_id_of
from bot.core.turn import Services
from bot.delivery.broadcast import PushConfig, Pusher
from bot.delivery.quiz_content import DailyQuizzes
from bot.delivery.quiz_results import GroupQuizResults
from bot.storage import learner_days, quizzes
from bot.storage.learners import find_learner, learner_of
from bot.storage.push_ledger import DueSubscriber
from bot.storage.tables import PushKind, PushState, Quiz, QuizAnswer
from bot.storage.vocabulary_book import NewContext, NewWord, save_word
from tests.core.fake_platform import FakeChat
from tests.core.quiz_support import Sessions, card, quiz_services, save
from tests.delivery.push_support import add_subscribers, ledger, subscriber

# 12:30 UTC: 20:30 in Shanghai, 07:30 in New York, on 22 November.
NOON = dt.datetime(2026, 11, 22, 12, 30, tzinfo=dt.UTC)
QUIZ_TIME = dt.time(21, 0)


@dataclass
class RecordingSender:
    """The platform side of a push, recording what each chat would receive (the Telegram adapter's
    own push is tested through the fake Bot API in tests/adapters)."""

    platform: str = "telegram"
    answers_members_alone: bool = False
    sent: dict[str, list[Sequence[Reply]]] = field(default_factory=dict)

    async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
        self.sent.setdefault(chat_id, []).append(replies)
        return str(len(self.sent[chat_id]))


@pytest.fixture
def quiz_services_at_noon(services: Services) -> Services:
    return quiz_services(replace(services, clock=FixedClock(NOON)))


def pusher(services: Services, sender: RecordingSender) -> Pusher:
    assert services.quizzes is not None
    content = DailyQuizzes(
        services.shelf, services.quizzes, services.sessions, services.clock, default_zone="Asia/Shanghai"
    )
    return Pusher(
        sender=sender, content=content, sessions=services.sessions, clock=services.clock, config=PushConfig()
    )


def learner_with_words(sessions: Sessions, user_id: int, *lemmas: str) -> None:
    save(sessions, NOON - dt.timedelta(days=1), *lemmas, platform="telegram", user_id=str(user_id))


def due(sessions: Sessions, chat_id: int) -> DueSubscriber:
    row = subscriber(sessions, chat_id)
    assert row.id is not None
    return DueSubscriber(row.id, row.chat_id, row.chat_kind, row.user_id)


def invitation_text(sender: RecordingSender, chat: int) -> str:
    (replies,) = sender.sent[str(chat)]
    (reply,) = replies
    assert reply.text is not None
    return reply.text.plain


async def test_the_quiz_comes_at_each_chats_quiz_time_once_a_local_day(
    quiz_services_at_noon: Services, sessions: Sessions
) -> None:
    services = quiz_services_at_noon
    clock = services.clock
    assert isinstance(clock, FixedClock)
    add_subscribers(sessions, [11], timezone="Asia/Shanghai", quiz_time=QUIZ_TIME)
    add_subscribers(sessions, [12], timezone="America/New_York", quiz_time=QUIZ_TIME)
    learner_with_words(sessions, 11, "moat", "leverage")
    learner_with_words(sessions, 12, "moat")
    sender = RecordingSender()

    await pusher(services, sender).run_once()
    assert sender.sent == {}, "20:30 in Shanghai, morning in New York: nobody's quiz time yet"

    clock.advance(dt.timedelta(minutes=30))  # 21:00 in Shanghai
    await pusher(services, sender).run_once()
    assert list(sender.sent) == ["11"]
    assert "2 个词到期" in invitation_text(sender, 11)
    assert sender.sent["11"][0][0].buttons[0][0].label == "开始 ▶ Start"

    clock.advance(dt.timedelta(hours=1))
    await pusher(services, sender).run_once()
    assert len(sender.sent["11"]) == 1, "once per local day"

    clock.advance(dt.timedelta(hours=12))  # 21:00 in New York (02:00 UTC, 23 November)
    report = await pusher(services, sender).run_once()
    assert report.sent == 1 and len(sender.sent["12"]) == 1 and len(sender.sent["11"]) == 1
    (row,) = ledger(sessions)["12"]
    assert (row.kind, row.local_date, row.content_id) == ("quiz", dt.date(2026, 11, 22), "quiz-2026-11-22")


async def test_nothing_due_and_nothing_read_sends_nothing_and_says_so_in_the_ledger(
    quiz_services_at_noon: Services, sessions: Sessions
) -> None:
    services = quiz_services_at_noon
    add_subscribers(sessions, [21], timezone="UTC", quiz_time=dt.time(0, 0))  # no learner at all
    add_subscribers(sessions, [22], timezone="UTC", quiz_time=dt.time(0, 0))
    with sessions() as session:  # a learner who has saved nothing and read nothing today
        learner_of(session, platform="telegram", user_id="22", now=NOON)
    sender = RecordingSender()
    report = await pusher(services, sender).run_once()
    assert sender.sent == {} and report.skipped == 2
    assert {rows[0].state for rows in ledger(sessions).values()} == {PushState.SKIPPED}


async def test_nothing_due_but_a_lesson_read_today_brings_a_quiz_on_its_words(
    quiz_services_at_noon: Services, sessions: Sessions
) -> None:
    services = quiz_services_at_noon
    add_subscribers(sessions, [31], timezone="UTC", quiz_time=dt.time(0, 0))
    lesson = next(iter(services.shelf.catalog.lessons))
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="31", now=NOON)
        assert learner.id is not None
        learner_days.bump(
            session, learner_id=learner.id, local_date=NOON.date(), lesson_id=lesson, cards_read=1
        )
        session.commit()
    sender = RecordingSender()
    await pusher(services, sender).run_once()
    assert "今天课上的" in invitation_text(sender, 31)


async def test_the_invitation_warns_when_the_streak_is_at_risk(
    quiz_services_at_noon: Services, sessions: Sessions
) -> None:
    services = quiz_services_at_noon
    add_subscribers(sessions, [41], timezone="UTC", quiz_time=dt.time(0, 0))
    learner_with_words(sessions, 41, "moat")
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="41", now=NOON)
        assert learner.id is not None
        for back in (1, 2, 3):
            day = NOON.date() - dt.timedelta(days=back)
            learner_days.bump(session, learner_id=learner.id, local_date=day, cards_read=2)
        session.commit()
    sender = RecordingSender()
    await pusher(services, sender).run_once()
    assert "已连续 3 天" in invitation_text(sender, 41) and "保住" in invitation_text(sender, 41)


async def test_pressing_start_asks_the_words_due_and_moves_their_cards(
    quiz_services_at_noon: Services, sessions: Sessions
) -> None:
    services = quiz_services_at_noon
    add_subscribers(sessions, [51], timezone="UTC", quiz_time=dt.time(0, 0))
    learner_with_words(sessions, 51, "moat")
    sender = RecordingSender()
    run = pusher(services, sender)
    await run.run_once()
    with sessions() as session:  # planned with the push, once, however often a page is prepared
        (quiz,) = session.exec(select(Quiz)).all()
        assert quiz.id is not None and len(quizzes.questions_of(session, quiz.id)) == 1
    await run.content.prepare("telegram", NOON.date(), [due(sessions, 51)])
    with sessions() as session:
        assert len(session.exec(select(Quiz)).all()) == 1 and len(quizzes.questions_of(session, quiz.id)) == 1
    chat = FakeChat(Conversation(services), chat_id="51", user_id="51", platform="telegram")
    chat.shown.extend(sender.sent["51"][0])
    (question,) = await chat.press("开始 ▶ Start")
    assert question.poll is not None and "moat" in question.poll.question
    before = card(sessions, "moat", platform="telegram", user_id="51")
    answer = PollAnswer(question.poll.key, (question.poll.correct or 0,))
    await chat._send(replace(chat._incoming(), poll_answer=answer), None)
    assert card(sessions, "moat", platform="telegram", user_id="51").due > before.due
    (again,) = await chat.press("开始 ▶ Start")
    assert again.notice is not None and "结束" in again.notice, "a finished quiz does not start twice"


async def test_a_group_gets_polls_on_its_recent_lessons_and_the_results_name_the_top_scorers(
    quiz_services_at_noon: Services, sessions: Sessions
) -> None:
    services = quiz_services_at_noon
    clock = services.clock
    assert isinstance(clock, FixedClock)
    add_subscribers(sessions, [-900], timezone="UTC", quiz_time=dt.time(0, 0))
    sender = RecordingSender()
    await pusher(services, sender).run_once()
    (replies,) = sender.sent["-900"]
    opening, *polls = replies
    assert opening.text is not None and "今日群测验" in opening.text.plain
    assert len(polls) == 4 and all(
        reply.poll is not None and reply.poll.correct is not None for reply in polls
    )

    # Ada saved the first poll's word: her vote moves her card. Bob has no book: counted, not scheduled.
    first = polls[0].poll
    assert first is not None
    with sessions() as session:
        found = quizzes.question(session, question_id_of(first.key) or 0)
        assert found is not None
        lemma = found[0].word.lemma
    ada = FakeChat(
        Conversation(services), chat_id="-900", user_id="7001", kind=ChatKind.GROUP, platform="telegram"
    )
    bob = FakeChat(
        Conversation(services), chat_id="-900", user_id="7002", kind=ChatKind.GROUP, platform="telegram"
    )
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="7001", now=NOON)
        assert learner.id is not None
        save_word(
            session,
            learner_id=learner.id,
            word=NewWord(lemma, gloss="x"),
            context=NewContext(lemma),
            now=NOON,
        )
    before = card(sessions, lemma, platform="telegram", user_id="7001")
    clock.advance(dt.timedelta(seconds=20))
    for reply in polls:
        assert reply.poll is not None and reply.poll.correct is not None
        right = PollAnswer(reply.poll.key, (reply.poll.correct,))
        wrong = PollAnswer(reply.poll.key, ((reply.poll.correct + 1) % len(reply.poll.options),))
        assert await ada._send(replace(ada._incoming(), poll_answer=right), None) == []
        assert await bob._send(replace(bob._incoming(), poll_answer=wrong), None) == []
    assert card(sessions, lemma, platform="telegram", user_id="7001").due > before.due
    with sessions() as session:
        assert find_learner(session, platform="telegram", user_id="7002") is None, "Bob got no learner"

    results = GroupQuizResults({"telegram": sender}, sessions, clock)
    assert await results.run_once() == 0, "not before the quiz closes"
    clock.advance(dt.timedelta(minutes=61))
    assert await results.run_once() == 1
    assert await results.run_once() == 0, "the results go out once"
    (posted,) = sender.sent["-900"][1]
    assert posted.text is not None
    assert "2 人参与" in posted.text.plain and "🥇 Tester 4/4" in posted.text.plain
    assert "🥈 Tester 0/4" in posted.text.plain and lemma in posted.text.plain
    late = PollAnswer(first.key, (first.correct or 0,))
    assert await bob._send(replace(bob._incoming(), poll_answer=late), None) == []
    with sessions() as session:
        assert len(session.exec(select(QuizAnswer)).all()) == 8, "a vote after the results counts for nothing"


def test_the_quiz_pushes_are_their_own_kind() -> None:
    assert DailyQuizzes.kind is PushKind.QUIZ

"""The explanation cache and the daily question counter, on the test database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from bot.storage.explanations import (
    cached_answer,
    give_back_question,
    questions_asked,
    store_answer,
    take_question,
)
from bot.storage.learners import learner_of

NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 22)
KEY = "a" * 64


def learner_id(session: Session, platform: str = "telegram", user_id: str = "42") -> int:
    learner = learner_of(session, platform=platform, user_id=user_id, now=NOW)
    assert learner.id is not None
    return learner.id


def test_an_answer_is_stored_and_replaced(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        assert cached_answer(session, key=KEY) is None
        store_answer(session, key=KEY, answer="第一版", now=NOW)
    with sessions() as session:
        assert cached_answer(session, key=KEY) == "第一版"
        store_answer(session, key=KEY, answer="第二版", now=NOW)
    with sessions() as session:
        assert cached_answer(session, key=KEY) == "第二版"


def test_questions_are_counted_up_to_the_limit_per_person_and_day(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        person = {"learner_id": learner_id(session)}
        assert [take_question(session, **person, local_date=DAY, limit=3) for _ in range(4)] == [
            2,
            1,
            0,
            None,
        ]
        assert questions_asked(session, **person, local_date=DAY) == 3
        assert take_question(session, **person, local_date=DAY + dt.timedelta(days=1), limit=3) == 2
        other = learner_id(session, platform="discord")
        assert take_question(session, learner_id=other, local_date=DAY, limit=3) == 2
        assert take_question(session, **person, local_date=DAY, limit=0) is None


def test_two_sessions_cannot_both_take_the_last_question(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        person = {"learner_id": learner_id(session), "local_date": DAY}
    with sessions() as first, sessions() as second:
        assert take_question(first, **person, limit=2) == 1
        assert take_question(second, **person, limit=2) == 0
        assert take_question(first, **person, limit=2) is None
        assert take_question(second, **person, limit=2) is None


def test_a_question_given_back_can_be_asked_again_and_the_count_never_goes_negative(
    sessions: Callable[[], Session],
) -> None:
    with sessions() as session:
        person = {"learner_id": learner_id(session), "local_date": DAY}
        give_back_question(session, **person)  # no row yet: nothing happens
        assert take_question(session, **person, limit=1) == 0
        give_back_question(session, **person)
        give_back_question(session, **person)
        assert questions_asked(session, **person) == 0
        assert take_question(session, **person, limit=1) == 0

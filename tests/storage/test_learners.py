"""Learners and identities: one learner per person, found again from any of their platform accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.storage.learners import find_learner, identities_of, learner_of, link_identity, update_learner
from bot.storage.tables import Identity, Learner

NOW = dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.UTC)


def test_a_learner_is_made_once_and_found_again(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        assert find_learner(session, platform="telegram", user_id="42") is None
        made = learner_of(session, platform="telegram", user_id="42", now=NOW)
        again = learner_of(session, platform="telegram", user_id="42", now=NOW)
        other = learner_of(session, platform="discord", user_id="42", now=NOW)
    assert made.id == again.id != other.id, "the same id on another platform is another person"
    assert made.timezone is None and made.lesson_time is None, "no preference yet: the bot's defaults"


def test_two_first_messages_at_once_make_one_learner(sessions: Callable[[], Session]) -> None:
    with sessions() as first, sessions() as second:
        one = learner_of(first, platform="telegram", user_id="7", now=NOW)
        two = learner_of(second, platform="telegram", user_id="7", now=NOW)
    assert one.id == two.id
    with sessions() as session:
        assert len(session.exec(select(Learner)).all()) == 1


def test_a_second_platform_can_be_linked_to_a_learner(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="42", now=NOW)
        assert learner.id is not None
        link_identity(session, learner_id=learner.id, platform="discord", user_id="9000", now=NOW)
        found = find_learner(session, platform="discord", user_id="9000")
        assert found is not None and found.id == learner.id
        assert [(i.platform, i.user_id) for i in identities_of(session, learner_id=learner.id)] == [
            ("discord", "9000"),
            ("telegram", "42"),
        ]


def test_preferences_change_and_nothing_else_may(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="42", now=NOW)
        later = NOW + dt.timedelta(hours=1)
        update_learner(session, learner, now=later, timezone="America/New_York", lesson_time=dt.time(7, 30))
        with pytest.raises(TypeError):
            update_learner(session, learner, now=later, id=99)
    with sessions() as session:
        stored = find_learner(session, platform="telegram", user_id="42")
        assert stored is not None
        assert (stored.timezone, stored.lesson_time, stored.updated_at) == (
            "America/New_York",
            dt.time(7, 30),
            later,
        )
        assert session.exec(select(Identity)).one().learner_id == stored.id

"""Subscribers, their pushes, and forgetting a person: the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

import bot.storage.subscribers as store
from bot.storage.learners import find_learner, learner_of
from bot.storage.subscribers import (
    find_subscriber,
    forget_user,
    subscribe,
    update_subscriber,
)
from bot.storage.tables import (
    Identity,
    Learner,
    PushDelivery,
    QuestionUsage,
    SavedWord,
    Subscriber,
    SubscriberStatus,
    WordContext,
)

NOW = dt.datetime(2026, 11, 2, 0, 5, tzinfo=dt.UTC)
Sessions = Callable[[], Session]


def join(
    session: Session, chat_id: str, user_id: str, kind: str = "private", platform: str = "telegram"
) -> Subscriber:
    subscriber, _ = subscribe(
        session, platform=platform, chat_id=chat_id, user_id=user_id, chat_kind=kind, title=None, now=NOW
    )
    return subscriber


def send(session: Session, subscriber: Subscriber, day: int = 0) -> PushDelivery:
    """A settled lesson push, as the ledger records one."""
    delivery = PushDelivery(
        subscriber_id=subscriber.id,
        local_date=NOW.date() + dt.timedelta(days=day),
        content_id="lesson-1",
        state="sent",
        run_id="w",
        message_id="42",
        claimed_at=NOW,
    )
    session.add(delivery)
    session.commit()
    return delivery


def save_word(
    session: Session, user_id: str, lemma: str, contexts: int = 1, platform: str = "telegram"
) -> None:
    learner = learner_of(session, platform=platform, user_id=user_id, now=NOW)
    word = SavedWord(learner_id=learner.id, lemma=lemma, created_at=NOW, updated_at=NOW)
    session.add(word)
    session.flush()
    for number in range(contexts):
        session.add(WordContext(saved_word_id=word.id, form=f"{lemma}{number}", saved_at=NOW))
    session.commit()


def count(session: Session, table: type) -> int:
    return len(session.exec(select(table)).all())


def test_subscribe_creates_an_active_subscriber_with_the_defaults(sessions: Sessions) -> None:
    with sessions() as session:
        subscriber, created = subscribe(
            session,
            platform="telegram",
            chat_id="1001",
            user_id="1001",
            chat_kind="private",
            title="Ada",
            now=NOW,
        )
    assert created
    with sessions() as session:
        stored = find_subscriber(session, platform="telegram", chat_id="1001")
    assert stored is not None and stored.id == subscriber.id
    assert (stored.status, stored.language, stored.timezone) == (
        SubscriberStatus.ACTIVE,
        "zh",
        "Asia/Shanghai",
    )
    assert (stored.lesson_time, stored.quiz_time) == (dt.time(8, 0), dt.time(21, 0))
    assert stored.joined_at == stored.updated_at == NOW
    assert find_subscriber(session, platform="discord", chat_id="1001") is None


@pytest.mark.parametrize("status", list(SubscriberStatus))
def test_subscribing_again_reactivates_and_keeps_the_settings(sessions: Sessions, status: str) -> None:
    later = NOW + dt.timedelta(days=3)
    with sessions() as session:
        first = join(session, "1001", "1001")
        update_subscriber(
            session,
            first,
            now=NOW,
            language="en",
            timezone="UTC+05:30",
            lesson_time=dt.time(7, 15),
            status=status,
        )
        again, created = subscribe(
            session,
            platform="telegram",
            chat_id="1001",
            user_id="1001",
            chat_kind="private",
            title="Ada",
            now=later,
        )
    assert not created and again.id == first.id
    with sessions() as session:
        stored = find_subscriber(session, platform="telegram", chat_id="1001")
    assert stored.status == "active" and stored.title == "Ada"
    assert (stored.language, stored.timezone, stored.lesson_time) == ("en", "UTC+05:30", dt.time(7, 15))
    assert (stored.joined_at, stored.updated_at) == (NOW, later)


def test_a_subscribe_that_loses_a_race_returns_the_winner(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sessions() as session:
        winner = join(session, "1001", "1001")
        update_subscriber(session, winner, now=NOW, status="stopped")
    real_find = store.find_subscriber
    calls = []

    def blind_first_look(session: Session, **where: str) -> Subscriber | None:
        calls.append(where)  # the first look misses, as if the other insert had not committed yet
        return None if len(calls) == 1 else real_find(session, **where)

    monkeypatch.setattr(store, "find_subscriber", blind_first_look)
    with sessions() as session:
        subscriber, created = subscribe(
            session,
            platform="telegram",
            chat_id="1001",
            user_id="1001",
            chat_kind="private",
            title=None,
            now=NOW,
        )
    assert not created and subscriber.id == winner.id and subscriber.status == "active"


def test_platform_and_chat_are_unique(sessions: Sessions) -> None:
    with sessions() as session:
        join(session, "1001", "1001")
        join(session, "1001", "1001", platform="discord")
        session.add(
            Subscriber(
                platform="telegram",
                chat_id="1001",
                user_id="9",
                chat_kind="private",
                joined_at=NOW,
                updated_at=NOW,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        assert count(session, Subscriber) == 2


def test_update_subscriber_refuses_fields_it_must_not_change(sessions: Sessions) -> None:
    with sessions() as session:
        subscriber = join(session, "1001", "1001")
        with pytest.raises(TypeError, match="chat_id, platform"):
            update_subscriber(session, subscriber, now=NOW, platform="discord", chat_id="2")


def test_forget_user_erases_that_person_and_nothing_else(sessions: Sessions) -> None:
    with sessions() as session:
        mine = join(session, "1001", "1001")
        send(session, mine)
        send(session, mine, day=1)
        save_word(session, "1001", "engulf", contexts=2)
        save_word(session, "1001", "ship")
        group = join(session, "-500", "1001", kind="group")  # started by the same person
        send(session, group)
        send(session, join(session, "2002", "2002"))
        save_word(session, "2002", "engulf")
        save_word(session, "1001", "engulf", platform="discord")  # same id on another platform: someone else

        mine_learner = find_learner(session, platform="telegram", user_id="1001")
        session.add(QuestionUsage(learner_id=mine_learner.id, local_date=NOW.date(), questions=3))
        session.commit()

        removed = forget_user(session, platform="telegram", user_id="1001", chat_id="1001")

    # subscriber, its 2 pushes, 2 words, their 3 contexts, the question count, identity and learner
    assert removed == 1 + 2 + 2 + 3 + 1 + 1 + 1
    with sessions() as session:
        assert find_subscriber(session, platform="telegram", chat_id="1001") is None
        assert find_subscriber(session, platform="telegram", chat_id="-500") is not None
        assert find_subscriber(session, platform="telegram", chat_id="2002") is not None
        assert count(session, PushDelivery) == 2
        assert find_learner(session, platform="telegram", user_id="1001") is None
        left = {
            (identity.platform, identity.user_id, word.lemma)
            for word, identity in session.exec(
                select(SavedWord, Identity).where(SavedWord.learner_id == Identity.learner_id)
            )
        }
        assert left == {("telegram", "2002", "engulf"), ("discord", "1001", "engulf")}
        assert count(session, WordContext) == 2
        assert count(session, QuestionUsage) == 0
        assert count(session, Learner) == 2
        assert forget_user(session, platform="telegram", user_id="1001", chat_id="1001") == 0


def test_forget_user_asked_from_a_group_still_finds_the_private_chat(sessions: Sessions) -> None:
    with sessions() as session:
        join(session, "1001", "1001")
        join(session, "-500", "1001", kind="group")
        assert forget_user(session, platform="telegram", user_id="1001", chat_id="-500") == 1
        assert find_subscriber(session, platform="telegram", chat_id="-500") is not None


def test_deleting_a_parent_cascades_to_its_children(sessions: Sessions) -> None:
    with sessions() as session:
        subscriber = join(session, "1001", "1001")
        send(session, subscriber)
        save_word(session, "1001", "engulf", contexts=2)
        session.delete(subscriber)
        session.delete(session.exec(select(SavedWord)).one())
        session.commit()
    with sessions() as session:
        assert count(session, PushDelivery) == 0
        assert count(session, WordContext) == 0


def test_a_child_without_its_parent_is_refused(sessions: Sessions) -> None:
    with sessions() as session:
        session.add(
            PushDelivery(
                subscriber_id=999,
                local_date=NOW.date(),
                content_id="x",
                state="sent",
                run_id="w",
                claimed_at=NOW,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


def test_times_dates_and_aware_moments_come_back_as_they_went_in(sessions: Sessions) -> None:
    shanghai = dt.datetime(2026, 3, 29, 9, 30, 5, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    with sessions() as session:
        subscriber = join(session, "1001", "1001")
        update_subscriber(
            session, subscriber, now=shanghai, lesson_time=dt.time(6, 5, 30), quiz_time=dt.time(23, 59)
        )
        session.add(
            PushDelivery(
                subscriber_id=subscriber.id,
                local_date=dt.date(2026, 12, 31),
                content_id="x",
                state="sent",
                run_id="w",
                claimed_at=shanghai,
            )
        )
        session.commit()
    with sessions() as session:
        stored = find_subscriber(session, platform="telegram", chat_id="1001")
        sent = session.exec(select(PushDelivery)).one()
    assert (stored.lesson_time, stored.quiz_time) == (dt.time(6, 5, 30), dt.time(23, 59))
    assert stored.updated_at == shanghai and stored.updated_at.utcoffset() == dt.timedelta(0)
    assert stored.updated_at.replace(tzinfo=None) == dt.datetime(2026, 3, 29, 1, 30, 5, 123456)
    assert sent.local_date == dt.date(2026, 12, 31) and sent.claimed_at == shanghai


def test_a_naive_moment_is_refused(sessions: Sessions) -> None:
    with sessions() as session, pytest.raises(StatementError, match="timezone-aware"):
        subscribe(
            session,
            platform="telegram",
            chat_id="1001",
            user_id="1001",
            chat_kind="private",
            title=None,
            now=dt.datetime(2026, 11, 2, 8, 0),
        )

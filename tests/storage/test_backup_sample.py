"""The backup tests' sample database, made the way a bot makes its rows, and a check that it covers
every table a backup holds (so a new table cannot slip past the round-trip test unexamined).

The conversation core does most of it (a private chat subscribes, reads, saves words with their
sentences, takes a quiz and forgets a word; a group subscribes); the storage functions the adapters
and the push use do the rest (ledger, inbox, explanations, platform references, a group's answer).
A few values are chosen to be awkward: emoji and newlines, microseconds, an offset timezone, NULLs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind
from bot.core.turn import Services
from bot.storage import broadcasts, explanations, inbox, library_reloads, push_ledger, quizzes, references
from bot.storage.backup import SKIPPED, exported_tables
from bot.storage.engine import create_database_engine, migrate, session_factory
from bot.storage.learners import find_learner
from bot.storage.push_ledger import DueSubscriber, Settlement
from bot.storage.subscribers import subscribe, update_subscriber
from bot.storage.tables import PushKind, PushState
from bot.storage.workers import register_worker
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.core.fake_platform import FakeChat
from tests.core.quiz_support import answer, quiz_services, save

STEP = dt.timedelta(seconds=7, microseconds=123_457)


def sample_database(folder: Path, builder: DeckBuilder) -> str:
    """A migrated SQLite database in `folder` holding the sample; returns its URL."""
    url = f"sqlite:///{folder}/sample.db"
    engine = create_database_engine(url)
    try:
        migrate(engine)
        catalog = chat_support.bundled_catalog(folder)
        services = chat_support.services(catalog, builder, session_factory(engine), folder / "audio")
        asyncio.run(_fill(quiz_services(services)))
    finally:
        engine.dispose()
    return url


async def _fill(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    conversation = Conversation(services)
    chat = FakeChat(conversation)
    await _read_and_save(chat, clock)
    await _take_a_quiz(chat, services, clock)
    await chat.say("/forget leverage")
    group = FakeChat(conversation, chat_id="-500", user_id="7", kind=ChatKind.GROUP)
    await group.say("/start")
    clock.advance(STEP)
    _platform_side(services, clock.now())


async def _read_and_save(chat: FakeChat, clock: FixedClock) -> None:
    await chat.say("/start")
    await chat.say("/today")
    for _ in range(4):
        clock.advance(STEP)
        await chat.press("下一句 ▶")
    await chat.say('/save weights, batch "master weights"', reply_to=-1)
    clock.advance(STEP)
    await chat.say("/save engulfed")


async def _take_a_quiz(chat: FakeChat, services: Services, clock: FixedClock) -> None:
    save(services.sessions, clock.now(), "moat", "leverage", "latency")
    await chat.say("/quiz")
    for turn in range(20):
        with services.sessions() as session:
            live = quizzes.live_quiz(session, platform=chat.platform, chat_id=chat.chat_id)
            if live is None or live.id is None or quizzes.current_question(session, live.id) is None:
                return
        clock.advance(STEP)
        await answer(chat, services.sessions, right=turn % 3 != 1)


def _platform_side(services: Services, now: dt.datetime) -> None:
    """What adapters, the push and the explainer write, through their own storage functions."""
    with services.sessions() as session:
        learner = find_learner(session, platform="fake", user_id="1001")
        assert learner is not None and learner.id is not None
        explanations.store_answer(session, key="a" * 64, answer="「moat」指护城河。\n\t第二行 🏰", now=now)
        explanations.take_question(session, learner_id=learner.id, local_date=now.date(), limit=5)
        references.remember(
            session, platform="telegram", kind="audio-file", key="b" * 40, value="AwACAgIAAxk", now=now
        )
        odd = _odd_subscriber(session, now)
        _ledger(session, odd, now)
        _admin_side(session, odd, now)
        _group_answer(session, now)
        inbox.receive(session, [inbox.Received(2**40 + 3, '{"text": "/today"}')], platform="discord",
                      worker_id="w-old", now=now)  # fmt: skip
        inbox.receive(session, [inbox.Received(901, '{"x": 1}')], platform="telegram", worker_id="w", now=now)
        inbox.finish(session, [901], platform="telegram", now=now + STEP)
        register_worker(session, worker_id="w-old", roles=["telegram"], platforms=["telegram"],
                        host="old-host", pid=4242, now=now)  # fmt: skip


def _odd_subscriber(session: Session, now: dt.datetime) -> int:
    """A Discord DM subscription with awkward values: a quiz alone, an offset zone, emoji."""
    found, _new = subscribe(
        session,
        platform="discord",
        chat_id="1234567890123456789",
        user_id="987654321098765432",
        chat_kind="private",
        title='Zoë\'s "chat" 🦀\nline two',
        now=now,
    )
    zone = {"timezone": "UTC+05:30", "lesson_time": None, "quiz_time": dt.time(21, 45, 30)}
    update_subscriber(session, found, now=now + STEP, **zone)
    assert found.id is not None
    return found.id


def _ledger(session: Session, subscriber_id: int, now: dt.datetime) -> None:
    due = [DueSubscriber(subscriber_id, "1234567890123456789", "private")]
    (sent,) = push_ledger.claim(
        session, due, local_date=now.date(), content_id="x-1", run_id="w-old", now=now, kind=PushKind.QUIZ
    )
    push_ledger.settle(
        session,
        [Settlement(sent.delivery_id, subscriber_id, PushState.SENT, attempts=2, message_id="m:77")],
        now=now + STEP,
    )
    push_ledger.claim(session, due, local_date=now.date(), content_id="x-1", run_id="w-old", now=now)


def _admin_side(session: Session, subscriber_id: int, now: dt.datetime) -> None:
    """An admin's broadcast, confirmed and sent to one chat, another cancelled; a library reload."""
    sent = broadcasts.create(session, text="📣 New: /quiz\n新功能", author="telegram:1001", now=now)
    assert sent.id is not None
    broadcasts.confirm(session, sent.id, by="telegram:1001", now=now + STEP)
    broadcasts.cancel(
        session, broadcasts.create(session, text="oops", author="cli", now=now).id or 0, now=now
    )
    push_ledger.claim(
        session,
        [DueSubscriber(subscriber_id, "1234567890123456789", "private")],
        local_date=broadcasts.ledger_date(sent.id),  # year 1: a date far from any real one
        content_id=broadcasts.content_id(sent.id),
        run_id="w-old",
        now=now,
        kind=PushKind.BROADCAST,
    )
    library_reloads.request_reload(session, requested_by="cli", reason="pin 2026-12-01 x-123", now=now)


def _group_answer(session: Session, now: dt.datetime) -> None:
    """Someone without a learner answering a question (as a group's poll voter does)."""
    first = session.scalar(select(func.min(quizzes.QuizQuestion.id)))
    assert first is not None
    quizzes.record_answer(
        session, question_id=first, user_id="55", learner_id=None, user_name="Ünïcødé 🦀",
        answer="0", outcome="wrong", now=now, duration_ms=None,
    )  # fmt: skip


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, builder: DeckBuilder) -> str:
    return sample_database(tmp_path_factory.mktemp("sample"), builder)


def test_the_sample_has_rows_in_every_table_a_backup_holds(sample: str) -> None:
    """A table added later is exported by default: give it rows here, or skip it in SKIPPED with a reason."""
    engine = create_database_engine(sample)
    try:
        empty = [table.name for table in exported_tables() if _count(engine, table.name) == 0]
    finally:
        engine.dispose()
    assert not empty, (
        f"no sample rows in {empty}: add some to tests/storage/test_backup_sample.py so the round trip "
        "checks them, or list the table in SKIPPED in bot/storage/backup.py with a reason"
    )


def test_the_skipped_tables_are_tables_and_have_reasons() -> None:
    names = {table.name for table in exported_tables()}
    assert set(SKIPPED) <= set(SQLModel.metadata.tables) - names, "a skip names no table (renamed?)"
    assert all(reason.strip() for reason in SKIPPED.values())
    assert "workers" in SKIPPED
    assert {"subscribers", "saved_words", "word_contexts", "review_logs", "push_deliveries"} <= names


def _count(engine: Engine, name: str) -> int:
    table = next(table for table in exported_tables() if table.name == name)
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0

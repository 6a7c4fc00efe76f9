"""Migration 0005 on a database filled at 0004: every person becomes a learner, no row is lost.

The rows are written with 0004's own tables (reflected, not the code's), as a running bot of that
revision left them: people with and without subscriptions, the same user id on two platforms, a
group started by someone, question counts of someone who never saved a word.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, MetaData, insert, select

from bot.storage.engine import create_database_engine, migrate, session_factory
from bot.storage.learners import find_learner, learner_of

MOMENT = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 20)


def subscriber(
    id_: int, platform: str, chat_id: str, user_id: str, kind: str, zone: str, at: dt.time
) -> dict:
    return {
        "id": id_, "platform": platform, "chat_id": chat_id, "user_id": user_id, "chat_kind": kind,
        "title": None, "language": "zh", "timezone": zone, "lesson_time": at, "quiz_time": dt.time(20, 0),
        "status": "active", "joined_at": MOMENT, "updated_at": MOMENT,
    }  # fmt: skip


def word(id_: int, platform: str, user_id: str, lemma: str) -> dict:
    return {
        "id": id_, "platform": platform, "user_id": user_id, "lemma": lemma, "phonetic": None,
        "gloss": f"{lemma} 的释义", "expression": None, "created_at": MOMENT, "updated_at": MOMENT,
        "forgotten_at": None,
    }  # fmt: skip


ROWS_AT_0004: dict[str, list[dict[str, Any]]] = {
    "subscribers": [
        subscriber(1, "telegram", "1001", "1001", "private", "America/New_York", dt.time(7, 30)),
        subscriber(2, "telegram", "-500", "1001", "group", "Europe/Berlin", dt.time(9, 0)),
        subscriber(3, "telegram", "2002", "2002", "private", "Asia/Tokyo", dt.time(8, 0)),
        subscriber(4, "discord", "1001", "1001", "private", "Asia/Shanghai", dt.time(8, 0)),
    ],
    "saved_words": [
        word(10, "telegram", "1001", "engulf"),
        word(11, "telegram", "1001", "ship"),
        word(12, "telegram", "2002", "engulf"),
        word(13, "discord", "1001", "engulf"),
        word(14, "telegram", "3003", "moat"),  # saved from a group, never subscribed in private
    ],
    "word_contexts": [
        {
            "id": n,
            "saved_word_id": w,
            "form": f"form{n}",
            "sentence_en": "A sentence.",
            "sentence_zh": "一句。",
            "lesson_id": "x-1",
            "card_number": 1,
            "author": "A",
            "source_url": "https://x.com/a/status/1",
            "saved_at": MOMENT,
        }
        for n, w in ((1, 10), (2, 10), (3, 11), (4, 12), (5, 13), (6, 14))
    ],
    "question_usage": [
        {"platform": "telegram", "user_id": "1001", "local_date": DAY, "questions": 5},
        {
            "platform": "telegram",
            "user_id": "4004",
            "local_date": DAY,
            "questions": 1,
        },  # asked, saved nothing
    ],
    "push_deliveries": [
        {
            "id": n,
            "subscriber_id": s,
            "local_date": DAY + dt.timedelta(days=d),
            "lesson_id": f"x-{d}",
            "state": "sent",
            "run_id": "r",
            "attempts": 1,
            "reason": None,
            "message_id": str(n),
            "claimed_at": MOMENT,
            "finished_at": MOMENT,
        }
        for n, s, d in ((1, 1, 0), (2, 1, 1), (3, 2, 0))
    ],
    "audio_uploads": [{"platform": "telegram", "audio_key": "k", "file_id": "f", "uploaded_at": MOMENT}],
    "cached_explanations": [{"key": "q", "answer": "答", "created_at": MOMENT}],
}
PEOPLE = {
    ("telegram", "1001"),
    ("telegram", "2002"),
    ("discord", "1001"),
    ("telegram", "3003"),
    ("telegram", "4004"),
}


def filled_at_0004(database_url: str) -> tuple[Engine, MetaData]:
    engine = create_database_engine(database_url)
    migrate(engine, revision="0004")
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        for name, rows in ROWS_AT_0004.items():
            connection.execute(insert(tables.tables[name]), rows)
    return engine, tables


def rows_of(engine: Engine, table: str) -> list[dict[str, Any]]:
    tables = MetaData()
    tables.reflect(engine, only=[table])
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(tables.tables[table])).mappings()]


def owners(engine: Engine, table: str) -> dict[int, tuple[str, str]]:
    """learner id → (platform, user id), read from the identities."""
    return {row["learner_id"]: (row["platform"], row["user_id"]) for row in rows_of(engine, "identities")}


def test_every_person_becomes_one_learner_and_keeps_their_rows(database_url: str) -> None:
    engine, _ = filled_at_0004(database_url)
    try:
        migrate(engine)
        people = owners(engine, "identities")
        assert set(people.values()) == PEOPLE and len(rows_of(engine, "learners")) == len(PEOPLE)

        words = {(people[row["learner_id"]], row["lemma"]): row for row in rows_of(engine, "saved_words")}
        assert set(words) == {
            (("telegram", "1001"), "engulf"),
            (("telegram", "1001"), "ship"),
            (("telegram", "2002"), "engulf"),
            (("discord", "1001"), "engulf"),
            (("telegram", "3003"), "moat"),
        }
        assert {row["id"] for row in words.values()} == {10, 11, 12, 13, 14}, (
            "ids kept: contexts still point there"
        )
        assert words[(("telegram", "1001"), "engulf")]["gloss"] == "engulf 的释义"
        assert sorted(row["saved_word_id"] for row in rows_of(engine, "word_contexts")) == [
            10,
            10,
            11,
            12,
            13,
            14,
        ]

        counts = {
            (people[row["learner_id"]], row["local_date"]): row["questions"]
            for row in rows_of(engine, "question_usage")
        }
        assert counts == {(("telegram", "1001"), DAY): 5, (("telegram", "4004"), DAY): 1}

        pushes = sorted(
            (row["id"], row["kind"], row["content_id"]) for row in rows_of(engine, "push_deliveries")
        )
        assert pushes == [(1, "lesson", "x-0"), (2, "lesson", "x-1"), (3, "lesson", "x-0")]
        (reference,) = rows_of(engine, "platform_references")
        assert (reference["platform"], reference["kind"], reference["key"], reference["value"]) == (
            "telegram",
            "audio-file",
            "k",
            "f",
        )
        assert len(rows_of(engine, "cached_explanations")) == 1
    finally:
        engine.dispose()


def test_a_private_subscriptions_settings_become_the_learners_preferences(database_url: str) -> None:
    engine, _ = filled_at_0004(database_url)
    try:
        migrate(engine)
        sessions = session_factory(engine)
        with sessions() as session:
            person = find_learner(session, platform="telegram", user_id="1001")
            never_subscribed = find_learner(session, platform="telegram", user_id="3003")
            assert person is not None and never_subscribed is not None
            assert (person.timezone, person.lesson_time) == ("America/New_York", dt.time(7, 30)), (
                "not the group's"
            )
            assert (never_subscribed.timezone, never_subscribed.lesson_time) == (None, None), (
                "the bot's defaults"
            )
            newcomer = learner_of(session, platform="telegram", user_id="5005", now=MOMENT)
            assert newcomer.id is not None and newcomer.id > len(PEOPLE), (
                "ids continue after the migrated ones"
            )
    finally:
        engine.dispose()


def test_downgrading_to_0004_gives_back_the_rows_as_they_were(database_url: str) -> None:
    engine, _ = filled_at_0004(database_url)
    try:
        migrate(engine)
        _downgrade(engine, "0004")
        for name in ("saved_words", "question_usage", "subscribers", "word_contexts", "audio_uploads"):
            found = sorted(map(_plain, rows_of(engine, name)), key=repr)
            assert found == sorted(map(_plain, ROWS_AT_0004[name]), key=repr), name
        pushes = rows_of(engine, "push_deliveries")
        assert sorted(row["lesson_id"] for row in pushes) == ["x-0", "x-0", "x-1"]
    finally:
        engine.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    from bot.storage.engine import alembic_config, foreign_keys_off

    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        command.downgrade(alembic_config(connection), revision)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its columns in name order and moments as naive UTC (SQLite reflects them naive)."""
    return {key: _naive_utc(value) for key, value in sorted(row.items())}


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value

"""Subscribers for push tests, written straight into the store, and what each chat received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy import insert
from sqlmodel import Session, select

from bot.storage.tables import PushDelivery, Subscriber
from tests.fakes.telegram_api import FakeTelegramServer

Sessions = Callable[[], Session]
JOINED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def add_subscribers(
    sessions: Sessions,
    chat_ids: Iterable[int],
    *,
    timezone: str = "Asia/Shanghai",
    lesson_time: dt.time = dt.time(8, 0),
    quiz_time: dt.time | None = dt.time(20, 0),
    status: str = "active",
    platform: str = "telegram",
) -> None:
    """Active Telegram subscribers (a negative chat id is a group), inserted in one statement."""
    rows = [
        {
            "platform": platform,
            "chat_id": str(chat_id),
            "user_id": str(abs(chat_id)),
            "chat_kind": "group" if chat_id < 0 else "private",
            "language": "zh",
            "timezone": timezone,
            "lesson_time": lesson_time,
            "quiz_time": quiz_time,
            "status": status,
            "joined_at": JOINED,
            "updated_at": JOINED,
        }
        for chat_id in chat_ids
    ]
    with sessions() as session:
        session.execute(insert(Subscriber), rows)
        session.commit()


def ledger(sessions: Sessions) -> dict[str, list[PushDelivery]]:
    """Ledger rows by chat id."""
    with sessions() as session:
        rows = session.exec(
            select(PushDelivery, Subscriber.chat_id).join(
                Subscriber, Subscriber.id == PushDelivery.subscriber_id
            )
        ).all()
    found: dict[str, list[PushDelivery]] = {}
    for delivery, chat_id in rows:
        found.setdefault(chat_id, []).append(delivery)
    return found


def subscriber(sessions: Sessions, chat_id: int) -> Subscriber:
    with sessions() as session:
        return session.exec(select(Subscriber).where(Subscriber.chat_id == str(chat_id))).one()


def texts_to(fake: FakeTelegramServer, chat_id: int) -> list[str]:
    return [message.text or "" for message in fake.messages(chat_id)]


def busiest_second(times: list[float]) -> int:
    """The most of these moments (seconds) within any one second: a sliding window, as a server counts."""
    times = sorted(times)
    start, most = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most

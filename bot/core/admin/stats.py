"""`/admin stats` gathered: each figure from one grouped query (today's push: one per timezone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from bot.clock import Clock
from bot.delivery.progress import Progress, push_progress
from bot.storage import admin_stats, broadcasts
from bot.storage.admin_stats import QuizParticipation, Retention, SavedCount, SubscriberCount
from bot.storage.tables import PushKind
from lessons.following.days_left import DaysLeft

QUIZ_DAYS = 7
RETENTION_DAYS = (7, 30)
RECENT_BROADCASTS = 3


@dataclass(frozen=True)
class PushToday:
    platform: str
    kind: str
    progress: Progress


@dataclass(frozen=True)
class AdminStats:
    at: dt.datetime
    subscribers: list[SubscriberCount]
    pushes: list[PushToday]
    quiz_days: int
    quizzes: QuizParticipation
    retention: list[Retention]
    saved: list[SavedCount]
    broadcasts: list[tuple[int, str, dict[str, int]]]  # id, text, ledger rows by state
    days_left: DaysLeft | None = None  # days of new lessons after today (None: not computed)


def gather(session: Session, clock: Clock, *, days_left: DaysLeft | None = None) -> AdminStats:
    """`days_left` is the library's figure, computed by the caller from the calendar (no query)."""
    now = clock.now()
    subscribers = admin_stats.subscriber_counts(session)
    platforms = sorted({row.platform for row in subscribers})
    pushes = [
        PushToday(platform, kind.value, push_progress(session, platform=platform, clock=clock, kind=kind))
        for platform in platforms
        for kind in (PushKind.LESSON, PushKind.QUIZ)
    ]
    recent = broadcasts.recent(session, limit=RECENT_BROADCASTS)
    counts = broadcasts.delivery_counts(session, [item.id for item in recent if item.id is not None])
    return AdminStats(
        at=now,
        subscribers=subscribers,
        pushes=pushes,
        quiz_days=QUIZ_DAYS,
        quizzes=admin_stats.quiz_participation(session, since=now - dt.timedelta(days=QUIZ_DAYS)),
        retention=[admin_stats.retention(session, days=days, now=now) for days in RETENTION_DAYS],
        saved=admin_stats.most_saved(session),
        broadcasts=[(item.id, item.text, counts.get(item.id, {})) for item in recent if item.id is not None],
        days_left=days_left,
    )

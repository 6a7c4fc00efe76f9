"""The card a person last looked at: what a question typed in the private chat is about.

A reply names its card (`quoted`); a question typed without replying names none, yet it is
almost always about the card on the screen. So every card shown to a person, and every card an
answer was about, is remembered on their learner (in the database, since the next question
may come after a restart), and read back here. With none remembered, or a lesson gone from
the library, it is today's first card: the one /today and the daily push open with.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.core.quoted import LessonContext
from bot.core.shelf import lesson_key
from bot.core.turn import Turn
from bot.storage.learners import find_learner, remember_card
from bot.storage.tables import Learner


def remember(session: Session, learner: Learner, lesson_id: str, card: int) -> None:
    """Note card `card` of lesson `lesson_id` as the one `learner` now looks at (commits)."""
    remember_card(session, learner, lesson_key=lesson_key(lesson_id), card=card)


async def recall(turn: Turn) -> LessonContext | None:
    """The card the person last looked at, else today's first card, else None (no lesson today)."""

    def read(session: Session) -> tuple[str | None, int | None, dt.date]:
        learner = find_learner(session, platform=turn.incoming.platform, user_id=turn.incoming.user_id)
        today = turn.today(turn.subscriber(session))
        return (learner.last_lesson_key, learner.last_card, today) if learner else (None, None, today)

    key, number, today = await turn.db(read)
    remembered = _card(turn, key, number) if key and number else None
    return remembered or _todays_first(turn, today)


def _card(turn: Turn, key: str, number: int) -> LessonContext | None:
    shelf = turn.services.shelf
    lesson = shelf.lesson(key)
    if lesson is None:
        return None
    deck = shelf.deck(lesson)
    return LessonContext(key, deck, deck.cards[number - 1]) if 1 <= number <= len(deck.cards) else None


def _todays_first(turn: Turn, today: dt.date) -> LessonContext | None:
    day = turn.services.shelf.day(today)
    if day is None:
        return None
    deck = turn.services.shelf.deck(day.lesson)
    return LessonContext(lesson_key(day.lesson.id), deck, deck.cards[0]) if deck.cards else None

"""Which lesson card a reply is about, read from the bot's message that was replied to.

Nothing is remembered per sent message: a card's 🔊 button names its lesson and
card number (an explanation of a card carries the same button), a group's post
names its day in the private-chat link, and an audio message carries its
sentence as the caption. So a reply to any of them, however old, still finds
its card. Only an audio message's caption is looked up in the lessons: the
text of any other message (/help, a /words page) is no card's sentence, and
looking cost deck builds that push the shared decks out of the shelf's cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import actions
from bot.core.actions import small_number
from bot.core.card_search import CardSearch
from bot.core.shelf import LessonShelf, lesson_key
from bot.core.turn import Turn
from lessons.deck import Card, Deck


@dataclass(frozen=True)
class LessonContext:
    """A lesson and, when the message showed one card, that card."""

    key: str
    deck: Deck
    card: Card | None = None


async def quoted_lesson(turn: Turn) -> LessonContext | None:
    """The lesson (and card) of the bot's message this one replies to, or None."""
    quoted = turn.incoming.quoted
    if quoted is None:
        return None
    shelf = turn.services.shelf
    for button in quoted.buttons:
        found = _from_action(shelf, button.action) if button.action else None
        found = found or (await _from_start(turn, button.start_payload) if button.start_payload else None)
        if found is not None:
            return found
    return await _from_caption(turn, quoted.text) if quoted.audio and quoted.text else None


def _from_action(shelf: LessonShelf, payload: str) -> LessonContext | None:
    action = actions.decode(payload)
    if action.verb not in (actions.AUDIO, actions.FULL) or not action.args:
        return None
    lesson = shelf.lesson(action.args[0])
    if lesson is None:
        return None
    deck = shelf.deck(lesson)
    if action.verb == actions.FULL:
        return LessonContext(action.args[0], deck)
    number = small_number(action.args[1]) if len(action.args) > 1 else None
    if number is None or not 1 <= number <= len(deck.cards):
        return LessonContext(action.args[0], deck)
    return LessonContext(action.args[0], deck, deck.cards[number - 1])


async def _from_start(turn: Turn, payload: str) -> LessonContext | None:
    """A group post's "study in private" link: d<day number> or L<lesson key>."""
    shelf = turn.services.shelf
    if payload.startswith("L"):
        lesson = shelf.lesson(payload[1:])
    elif payload.startswith("d") and (number := small_number(payload[1:], digits=5)) is not None:
        day = shelf.day_number(number, await turn.local_today())
        lesson = day.lesson if day else None
    else:
        return None
    if lesson is None:
        return None
    return LessonContext(lesson_key(lesson.id), shelf.deck(lesson))


async def _from_caption(turn: Turn, text: str) -> LessonContext | None:
    """An audio message's caption is its card's sentence: the recent lesson card with that English."""
    met = CardSearch(turn.services.shelf).sentence(text, await turn.local_today())
    return LessonContext(lesson_key(met.deck.lesson.id), met.deck, met.card) if met is not None else None

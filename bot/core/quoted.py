"""Which lesson card a reply is about, read from the bot's message that was replied to.

Nothing is remembered per sent message: a card's 🔊 button names its lesson and
card number, a group's post names its day in the private-chat link, and an
audio message carries its sentence as the caption. So a reply to any of them,
however old, still finds its card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import actions
from bot.core.actions import small_number
from bot.core.shelf import LessonShelf, lesson_key
from bot.core.turn import Turn
from lessons.deck import Card, Deck

ARCHIVE_SEARCHED = 60  # days back an audio caption is looked for
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


@dataclass(frozen=True)
class LessonContext:
    """A lesson and, when the message showed one card, that card."""

    key: str
    deck: Deck
    card: Card | None = None

    def card_with(self, text: str) -> Card | None:
        """The shown card, or else the lesson's first card that contains `text` as whole words."""
        if self.card is not None:
            return self.card
        return find_card(self.deck, text)


def quoted_lesson(turn: Turn) -> LessonContext | None:
    """The lesson (and card) of the bot's message this one replies to, or None."""
    quoted = turn.incoming.quoted
    if quoted is None:
        return None
    shelf = turn.services.shelf
    for button in quoted.buttons:
        found = _from_action(shelf, button.action) if button.action else None
        found = found or (_from_start(turn, button.start_payload) if button.start_payload else None)
        if found is not None:
            return found
    return _from_caption(turn, quoted.text) if quoted.text else None


def find_card(deck: Deck, text: str) -> Card | None:
    """The first card whose English contains all of `text`'s words, in order, as whole words."""
    wanted = _WORD.findall(text.lower())
    if not wanted:
        return None
    pattern = re.compile(r"(?<![a-z0-9])" + r"\W+".join(map(re.escape, wanted)) + r"(?![a-z0-9])")
    return next((card for card in deck.cards if pattern.search(card.en.lower())), None)


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


def _from_start(turn: Turn, payload: str) -> LessonContext | None:
    """A group post's "study in private" link: d<day number> or L<lesson key>."""
    shelf = turn.services.shelf
    if payload.startswith("L"):
        lesson = shelf.lesson(payload[1:])
    elif payload.startswith("d") and (number := small_number(payload[1:], digits=5)) is not None:
        with turn.services.sessions() as session:
            today = turn.today(turn.subscriber(session))
        day = shelf.day_number(number, today)
        lesson = day.lesson if day else None
    else:
        return None
    if lesson is None:
        return None
    return LessonContext(lesson_key(lesson.id), shelf.deck(lesson))


def _from_caption(turn: Turn, text: str) -> LessonContext | None:
    """An audio message's caption is its card's sentence: look for it in the recent lessons."""
    shelf = turn.services.shelf
    with turn.services.sessions() as session:
        today = turn.today(turn.subscriber(session))
    sentence = text.strip()
    for day in shelf.archive(today)[:ARCHIVE_SEARCHED]:
        deck = shelf.deck(day.lesson)
        card = next((card for card in deck.cards if card.en.strip() == sentence), None)
        if card is not None:
            return LessonContext(lesson_key(day.lesson.id), deck, card)
    return None

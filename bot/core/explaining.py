"""Questions about the English: `/explain TEXT`, and any reply to a lesson message.

Which card a question is about decides how good the answer is, so it is found the same way for
both: the card of the message replied to; for `/explain` without a reply, the most recent lesson
card that contains the text; else none (the English alone is explained). The budget's day is the
asker's own: their private subscription's timezone, else the bot's default.
"""

from __future__ import annotations

import datetime as dt

from bot.clock import local_date
from bot.core import explanation_view as view
from bot.core.messages import Reply, RichText
from bot.core.quoted import ARCHIVE_SEARCHED, LessonContext, find_card, quoted_lesson
from bot.core.timezones import zone_of
from bot.core.turn import Turn
from bot.learning.budget import Asker
from bot.learning.questions import CardContext, Question, asked_about, explain_terms, has_english
from bot.storage.explanations import private_timezone
from lessons.deck import Card
from lessons.lesson import Lesson


async def explain(turn: Turn) -> list[Reply]:
    """/explain TEXT: a word, phrase or sentence (or a question), in reply to a card or on its own."""
    text = _argument(turn.incoming.text)
    if not text:
        return [_say(view.USAGE)]
    if (refusal := _refusal(turn, text)) is not None:
        return [refusal]
    terms = explain_terms(text)
    context = quoted_lesson(turn)
    if context is not None:
        card = context.card_with(terms[0]) if terms else context.card
        lesson = context.deck.lesson
    else:
        found = _recent_card(turn, terms[0]) if terms else None
        lesson, card = found if found is not None else (None, None)
    if not terms and card is None:
        return [_say(view.NO_ENGLISH if context is None else view.WHICH_SENTENCE)]
    return [await _answer(turn, Question(text, terms, _card_context(lesson, card)))]


async def answer_reply(turn: Turn, context: LessonContext) -> list[Reply]:
    """A reply to a lesson message that is not a command: a question about that card (or lesson)."""
    text = " ".join(turn.incoming.text.split())
    if not text:
        return [] if turn.is_group else [_say(view.EMPTY_REPLY)]
    if (refusal := _refusal(turn, text)) is not None:
        return [refusal]
    terms = asked_about(text)
    card = context.card_with(terms[0]) if terms else context.card
    if not terms and card is None:
        return [_say(view.WHICH_SENTENCE)]
    return [await _answer(turn, Question(text, terms, _card_context(context.deck.lesson, card)))]


async def _answer(turn: Turn, question: Question) -> Reply:
    asker, zone = _asker(turn)
    explanation = await turn.explainer.explain(question, asker, turn.now)
    return view.explanation_reply(explanation, resets_in=_until_midnight(turn, zone))


def _refusal(turn: Turn, text: str) -> Reply | None:
    limit = turn.explainer.max_question_chars
    if len(text) > limit:
        return _say(view.TOO_LONG.format(length=len(text), limit=limit))
    return None


def _argument(text: str) -> str:
    """What follows the command, as typed: "/explain@Bot ship it" → "ship it"."""
    parts = text.strip().split(maxsplit=1)
    return " ".join(parts[1].split()) if len(parts) > 1 else ""


def _recent_card(turn: Turn, term: str) -> tuple[Lesson, Card] | None:
    """The newest lesson card, among the days up to today, whose English contains `term`."""
    if not has_english(term):
        return None
    using = turn.explainer.usage.lessons_using(term)
    if not using:
        return None
    shelf = turn.services.shelf
    with turn.services.sessions() as session:
        today = turn.today(turn.subscriber(session))
    for day in shelf.archive(today)[:ARCHIVE_SEARCHED]:
        if day.lesson.id in using and (card := find_card(shelf.deck(day.lesson), term)) is not None:
            return day.lesson, card
    return None


def _card_context(lesson: Lesson | None, card: Card | None) -> CardContext | None:
    if lesson is None or card is None:
        return None
    header = lesson.header
    return CardContext(card.en, card.zh, header.byline, header.title, lesson.id)


def _asker(turn: Turn) -> tuple[Asker, str]:
    """Who asks and their timezone: in a private chat the chat's own, in a group their private one."""
    incoming = turn.incoming
    with turn.services.sessions() as session:
        if turn.is_group:
            zone = private_timezone(session, platform=incoming.platform, user_id=incoming.user_id)
        else:
            subscriber = turn.subscriber(session)
            zone = subscriber.timezone if subscriber is not None else None
    zone = zone or turn.services.defaults.timezone
    return Asker(incoming.platform, incoming.user_id, local_date(turn.services.clock, zone)), zone


def _until_midnight(turn: Turn, zone: str) -> dt.timedelta:
    """Time to the asker's next local midnight, when their budget starts again (in UTC: DST-safe)."""
    local = turn.now.astimezone(zone_of(zone))
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=local.tzinfo)
    return midnight.astimezone(dt.UTC) - turn.now.astimezone(dt.UTC)


def _say(text: str) -> Reply:
    return Reply(RichText.of(*text.split("\n")))

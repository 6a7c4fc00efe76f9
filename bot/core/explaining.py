"""Questions about the English: `/explain TEXT`, any reply to a lesson message, and in a private
chat any text at all.

Which card a question is about decides how good the answer is, so it is found the same way for
all: the card of the message replied to; in a whole lesson replied to, its first card with the
text; for `/explain` without a reply, the most recent lesson card with the text (`card_search`,
the search /save uses); else none (the English alone is explained). Text typed in a private
chat without a reply is about the card the person last looked at (`last_card`), unless the
English it names is not on that card: then it is found as `/explain` finds it. An answer about
a card carries that card's 🔊 button, so a reply to the answer is a follow-up about the same
card, and that card becomes the one the person last looked at.

In a group, people also reply to the daily post to talk to each other ("nice post"); only replies
that look like questions or name the bot are answered, since an answer costs the person's AI
questions. The budget's day is the asker's own: their private subscription's timezone, else the
bot's default.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.core import actions, last_card, small_talk, texts
from bot.core import explanation_view as view
from bot.core.actions import Action
from bot.core.card_search import CardSearch
from bot.core.messages import ChatKind, Incoming, Reply, RichText
from bot.core.quoted import LessonContext, quoted_lesson
from bot.core.shelf import lesson_key
from bot.core.timezones import zone_of
from bot.core.turn import Turn
from bot.learning.budget import Asker
from bot.learning.questions import CardContext, Question, asked_about, explain_terms, looks_like_question
from bot.learning.text_patterns import has_chinese
from lessons.deck import Card, Deck

Shown = tuple[Deck, Card]  # the card a question is about, in its lesson's deck


async def explain(turn: Turn) -> list[Reply]:
    """/explain TEXT: a word, phrase or sentence (or a question), in reply to a card or on its own."""
    text = turn.arg("text")
    if not text:
        return [_say(view.USAGE)]
    if (refusal := _refusal(turn, text)) is not None:
        return [refusal]
    terms = explain_terms(text)
    context = await quoted_lesson(turn)
    shown = await _card_asked_about(turn, context, terms)
    if not terms and shown is None:
        return [_say(view.NO_ENGLISH if context is None else view.WHICH_SENTENCE)]
    return [await _answer(turn, text, terms, shown)]


async def answer_reply(turn: Turn, context: LessonContext) -> list[Reply]:
    """A reply to a lesson message that is not a command: a question about that card (or lesson)."""
    text = " ".join(turn.incoming.text.split())
    if not text:
        return [] if turn.is_group else [_say(view.EMPTY_REPLY)]
    if not wants_answer(turn.incoming):
        return []
    if (refusal := _refusal(turn, text)) is not None:
        return [refusal]
    terms = asked_about(text)
    shown = await _card_asked_about(turn, context, terms)
    if not terms and shown is None:
        return [_say(view.WHICH_SENTENCE)]
    return [await _answer(turn, text, terms, shown)]


async def answer_plain(turn: Turn) -> list[Reply]:
    """Text in a private chat that is no command and no reply to a lesson message: small talk (and
    text too long to be a question) gets a hint; a word or phrase alone is explained as /explain
    explains it; anything else is a question about the card the person last looked at."""
    text = " ".join(turn.incoming.text.split())
    if (hint := small_talk.hint_for(text)) is not None:
        return [_say(hint)]
    limit = turn.explainer.max_question_chars
    if len(text) > limit:
        return [_say(texts.TOO_LONG_HINT.format(length=len(text), limit=limit))]
    alone = not has_chinese(text) and not looks_like_question(text)
    terms = explain_terms(text) if alone else asked_about(text)
    shown = await _plain_card(turn, await last_card.recall(turn), terms, alone=alone)
    if not terms and shown is None:
        return [_say(texts.NO_CARD_YET)]
    return [await _answer(turn, text, terms, shown)]


def wants_answer(incoming: Incoming) -> bool:
    """Whether a reply to a lesson message is for the bot: in a private chat always; in a group when
    it names the bot or looks like a question (told from the text alone, so adapters may ask too)."""
    if incoming.chat_kind is ChatKind.PRIVATE or incoming.addressed:
        return True
    return looks_like_question(incoming.text)


async def _card_asked_about(
    turn: Turn, context: LessonContext | None, terms: tuple[str, ...]
) -> Shown | None:
    """The card replied to; else the first card with the first term in the lesson replied to, or with
    no reply, the newest such card of the recent lessons; else None."""
    if context is not None and context.card is not None:
        return context.deck, context.card
    if not terms:
        return None
    search = CardSearch(turn.services.shelf)
    target = search.target(terms[0])
    if context is not None:
        met = search.in_deck(target, context.deck)
    else:
        met = search.recent(target, await turn.local_today())
    return (met.deck, met.card) if met is not None else None


async def _plain_card(
    turn: Turn, last: LessonContext | None, terms: tuple[str, ...], *, alone: bool
) -> Shown | None:
    """The last card looked at when it has some of the English asked about, or when nothing in
    particular is; else, as for /explain, the first card with it in that card's lesson or the
    newest recent card with it. English in no card: a question stays on the last card (asked
    while looking at it), a word alone is explained on its own."""
    here = (last.deck, last.card) if last is not None and last.card is not None else None
    if not terms:
        return here
    search = CardSearch(turn.services.shelf)
    if here is not None and any(search.form_in(search.target(term), here[1].en) for term in terms):
        return here
    target = search.target(terms[0])
    met = search.in_deck(target, here[0]) if here is not None else None
    met = met or search.recent(target, await turn.local_today())
    if met is not None:
        return met.deck, met.card
    return None if alone else here


async def _answer(turn: Turn, text: str, terms: tuple[str, ...], shown: Shown | None) -> Reply:
    asker, zone = await turn.db(lambda session: _asker(turn, session, shown))
    question = Question(text, terms, _card_context(shown))
    explanation = await turn.explainer.explain(question, asker, turn.now)
    listen = _listen_action(shown) if shown is not None else None
    return view.explanation_reply(explanation, resets_in=_until_midnight(turn, zone), listen=listen)


def _refusal(turn: Turn, text: str) -> Reply | None:
    limit = turn.explainer.max_question_chars
    if len(text) > limit:
        return _say(view.TOO_LONG.format(length=len(text), limit=limit))
    return None


def _listen_action(shown: Shown) -> str:
    """The card's own 🔊 payload: pressed, it speaks the card; replied to, it names the card."""
    deck, card = shown
    return Action(actions.AUDIO, (lesson_key(deck.lesson.id), str(card.number))).encode()


def _card_context(shown: Shown | None) -> CardContext | None:
    if shown is None:
        return None
    deck, card = shown
    header = deck.lesson.header
    return CardContext(card.en, card.zh, header.byline, header.title, deck.lesson.id)


def _asker(turn: Turn, session: Session, shown: Shown | None) -> tuple[Asker, str]:
    """Who asks and their own timezone, wherever they ask from (a group's zone is not theirs). The
    card asked about is now the one they last looked at: a question typed next continues on it."""
    learner = turn.learner(session)
    if shown is not None:
        deck, card = shown
        last_card.remember(session, learner, deck.lesson.id, card.number)
    assert learner.id is not None
    return Asker(learner.id, turn.learner_today(learner)), turn.learner_zone(learner)


def _until_midnight(turn: Turn, zone: str) -> dt.timedelta:
    """Time to the asker's next local midnight, when their budget starts again (in UTC: DST-safe)."""
    local = turn.now.astimezone(zone_of(zone))
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=local.tzinfo)
    return midnight.astimezone(dt.UTC) - turn.now.astimezone(dt.UTC)


def _say(text: str) -> Reply:
    return Reply(RichText.of(*text.split("\n")))

"""Reading lessons: today's, the archive, a past day, and moving through a lesson's cards."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlmodel import Session

from bot.core import actions, last_card, lesson_view, texts
from bot.core.actions import Action, small_number
from bot.core.messages import Button, Reply, RichText, Span, keyboard
from bot.core.shelf import DayLesson, LessonShelf, lesson_key
from bot.core.turn import Turn
from bot.storage import learner_days

ARCHIVE_PAGE = 8


async def today(turn: Turn) -> list[Reply]:
    def look(session: Session) -> tuple[bool, dt.date]:
        subscriber = turn.subscriber(session)
        return subscriber is not None, turn.today(subscriber)

    subscribed, date = await turn.db(look)
    day = turn.services.shelf.day(date)
    if day is None:
        return [Reply(RichText.of(texts.NO_LESSON.format(start=turn.services.shelf.catalog.config.start)))]
    await note_reading(turn, day.lesson.id, _first_card(turn))
    card = open_day(turn, day)
    subscribe = turn.incoming.subscribe_with
    if not subscribed and not turn.is_group and subscribe and card.text is not None:
        # Under the card, in the same message: a message of its own would wait out the chat's
        # one-second gap (Telegram's limit) before the card, the part the person asked for.
        # Tapping ◀/▶ edits the card without it.
        card = replace(card, text=card.text + RichText.of("", f"想每天自动收到？发送 {subscribe} 订阅。"))
    return [card]


async def note_reading(turn: Turn, lesson_id: str, card: int | None = None) -> None:
    """A card read by this person today: their streak and /stats count it, and tonight's quiz can
    ask about this lesson when nothing is due. `card` is the card shown (None: the whole text),
    remembered as what a question they type next is about."""

    def note(session: Session) -> None:
        learner = turn.learner(session)
        assert learner.id is not None
        today = turn.learner_today(learner)
        learner_days.bump(session, learner_id=learner.id, local_date=today, lesson_id=lesson_id, cards_read=1)
        if card is not None:
            last_card.remember(session, learner, lesson_id, card)
        session.commit()

    await turn.db(note)


async def note_card(turn: Turn, lesson_id: str, card: int) -> None:
    """A card shown (or spoken) that is not counted as reading: only remembered as the one a
    question typed next is about."""
    await turn.db(lambda session: last_card.remember(session, turn.learner(session), lesson_id, card))


def _first_card(turn: Turn) -> int | None:
    """The card `open_day` shows: card 1 in a private chat, none (the whole text) in a group."""
    return None if turn.is_group else 1


def open_day(turn: Turn, day: DayLesson) -> Reply:
    """A scheduled day's lesson: card 1 in a private chat, the whole text in a group."""
    return day_reply(turn.services.shelf, day, group=turn.is_group, web_url=turn.services.web_url)


def day_reply(shelf: LessonShelf, day: DayLesson, *, group: bool, web_url: str = "") -> Reply:
    """What /today shows and the daily push sends: card 1, or in a group the whole text in one post
    (with 🌐 阅读页 to the day on the reader at `web_url`, when there is one)."""
    deck = shelf.deck(day.lesson)
    key = lesson_key(day.lesson.id)
    if group:
        return lesson_view.group_reply(deck, key, day, web_url)
    return lesson_view.card_reply(deck, key, 1, day, web_url=web_url)


async def lesson(turn: Turn) -> list[Reply]:
    """/lesson N: day N of the calendar, if it has come."""
    date = await turn.local_today()
    latest = turn.services.shelf.day(date)
    if latest is None:
        return [Reply(RichText.of(texts.NO_LESSON.format(start=_start(turn))))]
    usage = f"用法：/lesson N，N 是课号（1 到 {latest.number}）。/archive 查看往期。"
    typed = turn.arg("number")
    number = small_number(typed) if typed else None
    if number is None:
        return [Reply(RichText.of(usage))]
    day = turn.services.shelf.day_number(number, date)
    if day is None:
        return [Reply(RichText.of(f"第 {typed} 课还没有开放。" + usage))]
    if (first := _first_card(turn)) is not None:
        await note_card(turn, day.lesson.id, first)
    return [open_day(turn, day)]


async def archive(turn: Turn, page: int = 0) -> list[Reply]:
    date = await turn.local_today()
    days = turn.services.shelf.archive(date)
    if not days:
        return [Reply(RichText.of(texts.NO_LESSON.format(start=_start(turn))))]
    pages = (len(days) + ARCHIVE_PAGE - 1) // ARCHIVE_PAGE
    page = min(max(page, 0), pages - 1)
    shown = days[page * ARCHIVE_PAGE : (page + 1) * ARCHIVE_PAGE]
    lines = [Span(f"📚 往期课程（第 {page + 1}/{pages} 页）", bold=True), ""]
    lines += [_archive_line(day) for day in shown]
    lines += ["", "点课号打开，或发送 /lesson N。"]
    openers = [
        Button(str(day.number), action=Action(actions.OPEN, (str(day.number),)).encode()) for day in shown
    ]
    paging = [
        *([Button("◀ 较新", action=Action(actions.ARCHIVE, (str(page - 1),)).encode())] if page > 0 else []),
        *(
            [Button("较早 ▶", action=Action(actions.ARCHIVE, (str(page + 1),)).encode())]
            if page < pages - 1
            else []
        ),
    ]
    return [Reply(RichText.of(*lines), buttons=keyboard(openers[:4], openers[4:], paging))]


def _archive_line(day: DayLesson) -> str:
    header = day.lesson.header
    about = header.title or day.lesson.paragraphs[0].en
    about = about if len(about) <= 48 else about[:47].rstrip() + "…"
    return f"{day.number}. {day.date.month}/{day.date.day} {header.author} · {about}"


async def open_number(turn: Turn, number: str, edit: bool = False) -> list[Reply]:
    """The archive's buttons: open day `number` at card 1."""
    date = await turn.local_today()
    wanted = small_number(number)
    day = turn.services.shelf.day_number(wanted, date) if wanted is not None else None
    if day is None:
        return [Reply(notice=texts.STALE_BUTTON)]
    await note_reading(turn, day.lesson.id, _first_card(turn))
    return [open_day(turn, day)]


async def show_card(turn: Turn, key: str, number: str, day_number: str = "") -> list[Reply]:
    """◀ / ▶: the same message, now showing card `number`."""
    shelf = turn.services.shelf
    found = shelf.lesson(key)
    if found is None:
        return [Reply(notice=texts.STALE_BUTTON)]
    deck = shelf.deck(found)
    index = small_number(number)
    if index is None or not 1 <= index <= len(deck.cards):
        return [Reply(notice="没有这一句了。")]
    day = _scheduled(turn, found.id, day_number)
    await note_reading(turn, found.id, index)
    return [lesson_view.card_reply(deck, key, index, day, edit=True, web_url=turn.services.web_url)]


def _scheduled(turn: Turn, lesson_id: str, day_number: str) -> DayLesson | None:
    number = small_number(day_number, digits=5)
    if not number:
        return None
    date = turn.services.shelf.catalog.config.start + dt.timedelta(days=number - 1)
    day = turn.services.shelf.day(date)
    return day if day is not None and day.lesson.id == lesson_id else None


async def card_audio(turn: Turn, key: str, number: str) -> list[Reply]:
    """🔊: the card's English, spoken."""
    found = turn.services.shelf.lesson(key)
    if found is None:
        return [Reply(notice=texts.STALE_BUTTON)]
    deck = turn.services.shelf.deck(found)
    index = small_number(number)
    if index is None or not 1 <= index <= len(deck.cards):
        return [Reply(notice="没有这一句了。")]
    card = deck.cards[index - 1]
    await note_card(turn, found.id, index)  # listening to a card is looking at it
    sound = lesson_view.card_sound(deck, card)
    audio = await turn.services.shelf.audio(sound.text, sound.title, performer="BuildSpeak", caption=card.en)
    if audio is None:
        return [Reply(notice=texts.NO_AUDIO)]
    return [Reply(audio=audio, notice="🔊")]


async def whole_text(turn: Turn, key: str, day_number: str = "") -> list[Reply]:
    """全文: every sentence with its hidden translation, then the whole text spoken."""
    found = turn.services.shelf.lesson(key)
    if found is None:
        return [Reply(notice=texts.STALE_BUTTON)]
    deck = turn.services.shelf.deck(found)
    replies = [Reply(text=lesson_view.full_text(deck, _scheduled(turn, found.id, day_number)))]
    sound = lesson_view.whole_sound(deck)
    audio = await turn.services.shelf.audio(sound.text, sound.title, "BuildSpeak")
    replies.append(Reply(audio=audio) if audio else Reply(notice=texts.NO_AUDIO))
    return replies


def _start(turn: Turn) -> dt.date:
    return turn.services.shelf.catalog.config.start

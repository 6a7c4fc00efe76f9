"""/admin stats|pin|preview|broadcast|reload, for the bot's admins in a private chat.

Anyone else, and an admin anywhere but a private chat, gets exactly what an unknown command gets:
nothing says these commands exist. A broadcast's ✅ / ❌ pressed by anyone else gets what a button
the bot no longer knows gets.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session

from bot.clock import local_date
from bot.core import texts
from bot.core.actions import small_number
from bot.core.admin import review
from bot.core.admin import stats as admin_stats
from bot.core.admin.library import reload_everywhere
from bot.core.admin.review import REVIEW
from bot.core.admin.views import BROADCAST, broadcast_question, broadcast_reply, stats_text
from bot.core.messages import ChatKind, Reply, RichText
from bot.core.reading import day_reply
from bot.core.turn import Turn
from bot.storage import broadcasts
from bot.storage.broadcasts import Outcome
from lessons.catalog import UnknownLesson
from lessons.following.days_left import days_left

__all__ = ["BROADCAST", "REVIEW", "admin", "pressed", "reviewed"]
NAME = "admin"
MAX_BROADCAST = 3500  # characters: with its title, within one Telegram message (4096)
TODAY_WORDS = {"today": 0, "今天": 0, "tomorrow": 1, "明天": 1}


def is_admin(turn: Turn) -> bool:
    """One of the bot's admins, in a private chat with it."""
    incoming = turn.incoming
    admins = turn.commands.admins if turn.commands is not None else None
    private = incoming.chat_kind is ChatKind.PRIVATE
    return private and admins is not None and admins.includes(incoming.platform, incoming.user_id)


def unknown_command() -> list[Reply]:
    """What any command the bot does not have gets (the conversation's own reply, word for word)."""
    return [Reply(RichText.of(texts.UNKNOWN_COMMAND.format(name=NAME)))]


async def admin(turn: Turn) -> list[Reply]:
    if not is_admin(turn):
        return unknown_command()
    match turn.arg("action").lower():
        case "stats":
            return await stats(turn)
        case "pin":
            return await pin(turn)
        case "preview":
            return await preview(turn)
        case "broadcast":
            return await broadcast(turn)
        case "reload":
            return await reload(turn)
    return _say(texts.ADMIN_USAGE)


async def pressed(turn: Turn) -> list[Reply]:
    """✅ or ❌ under a broadcast's preview: `turn.args` is ("ok" | "no", broadcast id)."""
    if not is_admin(turn):
        return [Reply(notice=texts.STALE_BUTTON)]
    answer, number = (*turn.args, "", "")[:2]
    broadcast_id = small_number(number, digits=12)
    if broadcast_id is None or answer not in ("ok", "no"):
        return [Reply(notice=texts.STALE_BUTTON)]
    if answer == "ok":
        by = _who(turn)
        outcome = await turn.db(
            lambda session: broadcasts.confirm(session, broadcast_id, by=by, now=turn.now)
        )
    else:
        outcome = await turn.db(lambda session: broadcasts.cancel(session, broadcast_id, now=turn.now))
    text = {
        Outcome.CONFIRMED: texts.ADMIN_BROADCAST_CONFIRMED,
        Outcome.CANCELLED: texts.ADMIN_BROADCAST_CANCELLED,
        Outcome.WAS_CONFIRMED: texts.ADMIN_BROADCAST_WAS_CONFIRMED,
        Outcome.WAS_CANCELLED: texts.ADMIN_BROADCAST_WAS_CANCELLED,
        Outcome.MISSING: texts.ADMIN_BROADCAST_MISSING,
    }[outcome].format(id=broadcast_id)
    return [Reply(RichText.of(text), edit=True, notice=text[:60])]


async def reviewed(turn: Turn) -> list[Reply]:
    """通过 / 跳过 / 预览全文 under a queued post of the admins' review digest (`review.py`)."""
    return await review.pressed(turn, is_admin(turn))


async def stats(turn: Turn) -> list[Reply]:
    left = await asyncio.to_thread(days_left, turn.services.shelf.catalog, _today(turn))
    gathered = await turn.db(lambda session: admin_stats.gather(session, turn.services.clock, days_left=left))
    return [Reply(stats_text(gathered))]


async def preview(turn: Turn) -> list[Reply]:
    """The day's lesson exactly as the push sends it to a private chat (the push's own view)."""
    typed = turn.arg("rest").split(" ", 1)[0]
    date = _date(turn, typed) if typed else _today(turn)
    if date is None:
        return _say(texts.ADMIN_BAD_DATE.format(text=typed))
    shelf = turn.services.shelf
    day = shelf.day(date)
    if day is None:
        return _say(texts.ADMIN_PREVIEW_NONE.format(date=date, start=shelf.catalog.config.start))
    head = texts.ADMIN_PREVIEW_HEAD.format(date=date, number=day.number, lesson_id=day.lesson.id)
    lesson = await asyncio.to_thread(day_reply, shelf, day, group=False)
    return [*_say(head), lesson]


async def pin(turn: Turn) -> list[Reply]:
    """Pin a lesson to a day, as `buildspeak lessons pin` does, then reload it everywhere."""
    typed_date, _, lesson_id = turn.arg("rest").partition(" ")
    lesson_id = lesson_id.strip()
    if not typed_date or not lesson_id or " " in lesson_id:
        return _say(texts.ADMIN_PIN_USAGE)
    date = _date(turn, typed_date)
    if date is None:
        return _say(texts.ADMIN_BAD_DATE.format(text=typed_date))
    catalog, today = turn.services.shelf.catalog, _today(turn)
    if date < today:
        return _say(texts.ADMIN_PIN_PAST.format(date=date, today=today))
    try:
        lesson = catalog.lesson(lesson_id)
        await asyncio.to_thread(catalog.pin, date, lesson_id, today)
    except UnknownLesson:
        return _say(texts.ADMIN_PIN_UNKNOWN.format(lesson_id=lesson_id))
    reason = f"pin {date} {lesson_id}"
    failed = await _reload(turn, reason)
    if failed is not None:
        return failed
    title = lesson.header.title or lesson.header.author
    lines = [texts.ADMIN_PIN_DONE.format(date=date, lesson_id=lesson_id, title=title)]
    why = catalog.teaching.reason(lesson)
    if why:
        lines.append(texts.ADMIN_PIN_NOT_SCHEDULED.format(reason=why))
    return _say("\n".join(lines))


async def broadcast(turn: Turn) -> list[Reply]:
    """A preview of the broadcast and ✅ / ❌: nothing is sent before ✅."""
    text = _broadcast_text(turn)
    if not text:
        return _say(texts.ADMIN_BROADCAST_USAGE)
    if len(text) > MAX_BROADCAST:
        return _say(texts.ADMIN_BROADCAST_TOO_LONG.format(length=len(text), limit=MAX_BROADCAST))
    author = _who(turn)

    def create(session: Session) -> tuple[int | None, dict[str, int]]:
        made = broadcasts.create(session, text=text, author=author, now=turn.now)
        return made.id, broadcasts.audience(session)

    broadcast_id, audience = await turn.db(create)
    assert broadcast_id is not None
    return [broadcast_reply(text), broadcast_question(broadcast_id, audience)]


async def reload(turn: Turn) -> list[Reply]:
    return await _reload(turn, "reload", report=True) or []


async def _reload(turn: Turn, reason: str, *, report: bool = False) -> list[Reply] | None:
    """Reload here and everywhere; the reply when it failed, or (with `report`) what it found."""
    services = turn.services
    try:
        reloaded = await reload_everywhere(
            services.shelf, services.sessions, services.clock, by=_who(turn), reason=reason
        )
    except Exception as error:
        return _say(texts.ADMIN_RELOAD_FAILED.format(error=error))
    if not report:
        return None
    lines = [
        texts.ADMIN_RELOAD_DONE.format(lessons=reloaded.lessons, before=reloaded.before, pins=reloaded.pins)
    ]
    if reloaded.skipped:
        files = "；".join(reloaded.skipped[:5]) + ("…" if len(reloaded.skipped) > 5 else "")
        lines.append(texts.ADMIN_RELOAD_SKIPPED.format(count=len(reloaded.skipped), files=files))
    return _say("\n".join(lines))


def _broadcast_text(turn: Turn) -> str:
    """The text after "/admin broadcast", its lines kept (the parsed argument has them joined)."""
    typed = turn.incoming.text
    if typed:
        parts = typed.strip().split(maxsplit=2)
        return parts[2].strip() if len(parts) == 3 else ""
    return turn.arg("rest").strip()


def _date(turn: Turn, typed: str) -> dt.date | None:
    if typed.lower() in TODAY_WORDS:
        return _today(turn) + dt.timedelta(days=TODAY_WORDS[typed.lower()])
    try:
        return dt.date.fromisoformat(typed)
    except ValueError:
        return None


def _today(turn: Turn) -> dt.date:
    """Today on the calendar (its timezone is the default one), as `buildspeak lessons pin` counts it."""
    return local_date(turn.services.clock, turn.services.defaults.timezone)


def _who(turn: Turn) -> str:
    return f"{turn.incoming.platform}:{turn.incoming.user_id}"


def _say(text: str) -> list[Reply]:
    return [Reply(RichText.of(*text.split("\n")))]

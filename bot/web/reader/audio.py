"""The reader's sound: a card's English, or a lesson's whole text, as the MP3 the chat's 🔊 sends.

The page asks for `/audio/<lesson key>/<card number>.mp3` or `/audio/<lesson key>/all.mp3`; the
file comes from the shelf's voice with the very text the bot speaks (a card's `en`, the deck's
`english`), so the chat and the page share one cache file and a sentence is synthesized once.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from aiohttp import web

from bot.core.actions import small_number
from bot.core.lesson_view import Sound, card_sound, whole_sound
from bot.core.shelf import LessonShelf, lesson_key
from bot.web.reader.deps import READER

WHOLE = "all"
EARLIEST_ZONE = dt.timezone(dt.timedelta(hours=14))  # where each date begins first (Kiribati)
CACHE_CONTROL = "public, max-age=86400"  # a sentence's sound does not change within a day
NO_VOICE = "暂时无法生成音频，请稍后再试。"
REMEMBERED_SECONDS = 300.0  # a player asks again for every range while seeking: answer from memory


def card_audio_url(lesson_id: str, number: int) -> str:
    return f"/audio/{lesson_key(lesson_id)}/{number}.mp3"


def lesson_audio_url(lesson_id: str) -> str:
    return f"/audio/{lesson_key(lesson_id)}/{WHOLE}.mp3"


def sound_of(shelf: LessonShelf, key: str, name: str) -> Sound | None:
    """The sound `/audio/<key>/<name>.mp3` names (the chat's own, see `card_sound`), or None when
    the lesson or the card is unknown."""
    lesson = shelf.lesson(key)
    if lesson is None:
        return None
    deck = shelf.deck(lesson)
    if name == WHOLE:
        return whole_sound(deck)
    number = small_number(name, digits=4)
    if number is None or not 1 <= number <= len(deck.cards):
        return None
    return card_sound(deck, deck.cards[number - 1])


class AudioFiles:
    """Serves the sounds, remembering for a few minutes which file answered each address.

    A voice call reads and checks the whole cached file; an <audio> element seeking through the
    whole text sends a range request per jump, so the answer is kept briefly rather than forever
    (a file made by the offline voice gives way to gTTS's once gTTS speaks again).
    """

    def __init__(self, remembered_seconds: float = REMEMBERED_SECONDS) -> None:
        self._remembered_seconds = remembered_seconds
        self._paths: dict[tuple[int, str, str], tuple[float, Path]] = {}
        self._opened_lessons: tuple[tuple[int, dt.date], frozenset[str]] | None = None

    def _opened(self, shelf: LessonShelf, now: dt.datetime, lesson_id: str) -> bool:
        """Whether the lesson has had its day somewhere on Earth (its page is in someone's archive):
        a lesson still to come is not spoken early, by the page or by anyone guessing its key."""
        latest = now.astimezone(EARLIEST_ZONE).date()
        kept = self._opened_lessons
        if kept is None or kept[0] != (shelf.generation, latest):
            kept = ((shelf.generation, latest), frozenset(day.lesson.id for day in shelf.archive(latest)))
            self._opened_lessons = kept
        return lesson_id in kept[1]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        shelf = request.app[READER].services.shelf
        key, name = request.match_info["key"], request.match_info["name"]
        remembered = self._remembered((shelf.generation, key, name))
        path = remembered or await self._speak(shelf, request.app[READER].services.clock.now(), key, name)
        headers = {"Cache-Control": CACHE_CONTROL, "Content-Type": "audio/mpeg"}
        return web.FileResponse(path, headers=headers)

    async def _speak(self, shelf: LessonShelf, now: dt.datetime, key: str, name: str) -> Path:
        lesson = shelf.lesson(key)
        opened = lesson is not None and self._opened(shelf, now, lesson.id)
        sound = sound_of(shelf, key, name) if opened else None
        if sound is None:
            raise web.HTTPNotFound(text="没有这段音频。")
        spoken = await shelf.audio(sound.text, sound.title, performer="BuildSpeak")
        if spoken is None:
            raise web.HTTPServiceUnavailable(text=NO_VOICE, headers={"Retry-After": "60"})
        if len(self._paths) > 512:  # a long-running reader meets many lessons
            self._paths.clear()
        self._paths[(shelf.generation, key, name)] = (time.monotonic(), spoken.path)
        return spoken.path

    def _remembered(self, address: tuple[int, str, str]) -> Path | None:
        found = self._paths.get(address)
        if found is None:
            return None
        when, path = found
        if time.monotonic() - when > self._remembered_seconds or not path.is_file():
            del self._paths[address]
            return None
        return path


def routes() -> list[web.RouteDef]:
    files = AudioFiles()
    return [web.get("/audio/{key}/{name}.mp3", files.serve)]

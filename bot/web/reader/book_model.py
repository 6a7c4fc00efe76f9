"""The vocabulary book as the 生词本 page shows it, read in one worker-thread visit to the database
(and the version of the book it was read at, which says when a page built before is still the page).

A page holds 50 entries (the chat shows 5: a message must stay short, a page may not), each with
every sentence it was met in, the word as met marked in it, and the sentence's sound when the
sentence came from a lesson card still in the library (the same MP3 the chat's 🔊 sends).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlmodel import Session

from bot.clock import local_date
from bot.core.actions import small_number
from bot.core.quiz_kit import end_of_day
from bot.core.shelf import LessonShelf
from bot.core.timezones import zone_of
from bot.core.turn import Services
from bot.storage.vocabulary_book import SavedContext
from bot.web.reader.audio import card_audio_url
from bot.web.reader.book_reads import (
    BookVersion,
    PageRows,
    WordRow,
    book_version,
    due_count,
    learner_timezone,
    page_rows,
)

PAGE_SIZE = 50
MAX_QUERY = 100  # characters of a search; longer is cut, not refused
SAFE_LINK = ("https://", "http://")


@dataclass(frozen=True)
class Met:
    """A sentence an entry was met in, split around the word as met (`form` "" when not found)."""

    before: str
    form: str
    after: str
    zh: str | None
    audio: str | None  # the card's sound, when the sentence came from a card still in the library
    source: str | None  # the original post
    where: str  # "Andrej Karpathy · 《标题》 · 2026-11-22"


@dataclass(frozen=True)
class Entry:
    id: int
    lemma: str
    phonetic: str | None
    gloss: str | None
    expression: str | None
    met: tuple[Met, ...]
    forms: tuple[str, ...]  # other forms it was met as ("engulfed" for "engulf")


@dataclass(frozen=True)
class Book:
    """One page of the book (or of a search in it) and the day's review, for words.html."""

    entries: tuple[Entry, ...]
    total: int  # entries in the book, or found by the search
    page: int  # 1-based
    pages: int
    query: str
    due: int  # words due by the end of the learner's day

    def page_url(self, page: int) -> str:
        fields = {"q": self.query} if self.query else {}
        if page > 1:
            fields["page"] = str(page)
        return "/words" + (f"?{urlencode(fields)}" if fields else "")

    @property
    def newer_url(self) -> str | None:
        return self.page_url(self.page - 1) if self.page > 1 else None

    @property
    def older_url(self) -> str | None:
        return self.page_url(self.page + 1) if self.page < self.pages else None


@dataclass(frozen=True)
class Wanted:
    """What was asked for in the address: a search and a page (1-based), both cleaned of nonsense."""

    query: str = ""
    page: int = 1

    @classmethod
    def parse(cls, query: str | None, page: str | None) -> Wanted:
        text = " ".join((query or "").split())[:MAX_QUERY]
        number = small_number(page or "") or 1  # "²" is a digit to str.isdigit, not to int()
        return cls(text, max(number, 1))


def read_book(session: Session, services: Services, *, learner_id: int, wanted: Wanted) -> Book:
    """The page asked for and the count of due words: five small queries, whatever the book's size."""
    end = learner_day_end(session, services, learner_id)
    found = page_rows(
        session, learner_id=learner_id, query=wanted.query, page=wanted.page - 1, size=PAGE_SIZE
    )
    due = due_count(session, learner_id=learner_id, by=end)
    return book_of(found, services.shelf, query=wanted.query, due=due)


def version_now(
    session: Session, services: Services, learner_id: int, *, guess: dt.datetime | None = None
) -> tuple[dt.datetime, BookVersion]:
    """The end of the learner's today and their book's version, due words counted by then.

    One statement when `guess` (the end a page was kept for; else the end of the day in the bot's
    default timezone, which most learners keep) is right; a second when their timezone or the
    date says otherwise."""
    by = guess or day_end(services, None)
    version = book_version(session, learner_id=learner_id, by=by)
    end = day_end(services, version.timezone)
    if end != by:
        version = book_version(session, learner_id=learner_id, by=end)
    return end, version


def read_page(
    session: Session, services: Services, *, learner_id: int, wanted: Wanted, by: dt.datetime
) -> tuple[Book, BookVersion]:
    """The page asked for, and the book's version read after it (words due by `by`): when it is
    the version read before, nothing changed in between and the page is that version's."""
    found = page_rows(
        session, learner_id=learner_id, query=wanted.query, page=wanted.page - 1, size=PAGE_SIZE
    )
    after = book_version(session, learner_id=learner_id, by=by)
    return book_of(found, services.shelf, query=wanted.query, due=after.due), after


def learner_zone(session: Session, services: Services, learner_id: int) -> str:
    """The learner's timezone, as the chats' quiz reads it (the bot's default when they set none)."""
    return learner_timezone(session, learner_id=learner_id) or services.defaults.timezone


def learner_day_end(session: Session, services: Services, learner_id: int) -> dt.datetime:
    """The last moment of the learner's today: a word due by then is in tonight's review."""
    return day_end(services, learner_timezone(session, learner_id=learner_id))


def day_end(services: Services, timezone: str | None) -> dt.datetime:
    """The last moment of today in `timezone` (None: the bot's default)."""
    zone = timezone or services.defaults.timezone
    return end_of_day(local_date(services.clock, zone), zone_of(zone))


def book_of(found: PageRows, shelf: LessonShelf, *, query: str, due: int) -> Book:
    entries = tuple(entry_of(word, shelf) for word in found.words)
    return Book(entries, found.total, found.page + 1, found.pages, query, due)


def entry_of(word: WordRow, shelf: LessonShelf) -> Entry:
    lemma = word.lemma.lower()
    forms = sorted({met.form for met in word.met if met.form.lower() != lemma})
    met = tuple(met_of(row, shelf) for row in word.met if row.sentence_en)
    return Entry(word.id, word.lemma, word.phonetic, word.gloss, word.expression, met, tuple(forms))


def met_of(row: SavedContext, shelf: LessonShelf) -> Met:
    before, form, after = split_at(row.sentence_en or "", row.form)
    lesson = shelf.catalog.lessons.get(row.lesson_id) if row.lesson_id else None
    audio = None
    if lesson is not None and row.lesson_id and row.card_number:
        audio = card_audio_url(row.lesson_id, row.card_number)
    title = lesson.header.title if lesson is not None else None
    source = row.source_url if row.source_url and row.source_url.startswith(SAFE_LINK) else None
    return Met(before, form, after, row.sentence_zh, audio, source, _where(row, title))


def split_at(sentence: str, form: str) -> tuple[str, str, str]:
    """The sentence around the first whole-word `form` in it (any case), as the chat marks it."""
    if form:
        pattern = rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])"
        match = re.search(pattern, sentence, re.IGNORECASE)
        if match is not None:
            return sentence[: match.start()], match.group(0), sentence[match.end() :]
    return sentence, "", ""


def _where(row: SavedContext, title: str | None) -> str:
    parts = (row.author, f"《{title}》" if title else None, f"{row.saved_at:%Y-%m-%d}")
    return " · ".join(part for part in parts if part)

"""生词本 on the page: the signed-in learner's book, its search and paging, forget with undo, and
(from book_export) its CSV and Anki downloads.

Forget and undo are the storage functions /forget and its 撤销 button use, so the chat and the page
agree on what a forgotten word is and for how long it can come back. A word id in an address is
never trusted: each read and write is scoped by the signed-in learner, and another learner's id is
simply not found (404, nothing changed). Database work runs in a worker thread.

The book is asked for far more often than it changes (each visit, each page turned, the Mini App
opened again), so its page is kept: per app, the last `KEPT_PAGES` pages asked for, each beside
the `BookVersion` it was read at and keyed by everything else it depends on (who asked, with their
form token; the library generation, which decides a sentence's ▶ and lesson title; the search and
page). A visit reads the version (one statement, a worker-thread hop) and answers the kept bytes
when it is the same; otherwise the page is read and rendered in worker threads and kept, if the
version read after the page is still the one read before (else another process changed the book
meanwhile: answered, not kept). A page with a notice (after 忘记 or 撤销) is never kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiDictProxy
from sqlmodel import Session

from bot.core import vocabulary_view as chat_words
from bot.core.actions import small_number
from bot.core.turn import Services
from bot.storage import vocabulary_book as book
from bot.web.reader import book_export
from bot.web.reader.book_model import Wanted, read_book, read_page, version_now
from bot.web.reader.book_reads import BookVersion
from bot.web.reader.deps import READER
from bot.web.reader.kept import Kept
from bot.web.reader.private_page import error_page, page_of, render_bytes
from bot.web.signin import auth
from bot.web.signin.auth import SignedIn

NOT_IN_BOOK = "生词本里没有这个词（可能已经删除了），什么都没有改变。"


@dataclass(frozen=True)
class Notice:
    """What a forget or an undo did, shown above the book; `undo` offers 撤销 for that word."""

    text: str
    undo: int | None = None


KEPT_PAGES = 128  # a 50-entry page is 10-60 KB: a few megabytes at most


@dataclass(frozen=True)
class KeptPage:
    """A page's bytes, the book's version they were read at, and the end of the learner's day its
    due count was counted by."""

    end: dt.datetime
    version: BookVersion
    body: bytes


class BookPages:
    """The handlers, with the pages they keep between requests (made per app, never at import)."""

    def __init__(self) -> None:
        self._pages: Kept[KeptPage] = Kept(KEPT_PAGES)

    async def words_page(self, request: web.Request) -> web.Response:
        """A page of the book (`?page=`), or of a search in it (`?q=`), and the day's review."""
        who = await auth.require_signed_in(request)
        wanted = Wanted.parse(request.query.get("q"), request.query.get("page"))
        return await self._kept_book(request, who, wanted)

    async def _kept_book(self, request: web.Request, who: SignedIn, wanted: Wanted) -> web.Response:
        """The page from the kept bytes while the book's version is the one they were read at."""
        deps = request.app[READER]
        services = deps.services
        # Read before the page: a reload while it is built only keeps it under a generation gone.
        key = (who, services.shelf.generation, wanted)
        kept = self._pages.peek(key)
        guess = kept.end if kept is not None else None
        end, version = await auth.db(
            deps, lambda session: version_now(session, services, who.learner_id, guess=guess)
        )
        if kept is not None and kept.end == end and kept.version == version:
            return page_of(kept.body)
        found, after = await auth.db(
            deps,
            lambda session: read_page(session, services, learner_id=who.learner_id, wanted=wanted, by=end),
        )
        body = await render_bytes("words.html", request, {"active": "words", "book": found, "notice": None})
        if after == version:
            self._pages.put(key, KeptPage(end, version, body))
        return page_of(body)


def routes() -> list[web.RouteDef]:
    pages = BookPages()
    return [
        web.get("/words", pages.words_page),
        web.post("/words/{id}/forget", forget),
        web.post("/words/{id}/undo", undo),
        *book_export.routes(),
    ]


async def forget(request: web.Request) -> web.Response:
    """忘记: the word hidden at once, the book shown again with 撤销 for a minute."""
    who, form = await auth.require_form(request)
    word_id = small_number(request.match_info["id"], digits=12)
    services = request.app[READER].services
    forgotten = None
    if word_id is not None:
        forgotten = await auth.db(
            request.app[READER], lambda session: forget_word(session, services, who.learner_id, word_id)
        )
    if forgotten is None:
        return error_page(request, status=404, title="没有这个词", message=NOT_IN_BOOK)
    count = len(forgotten.sentences)
    sentences = f"（和它的 {count} 个例句）" if count else ""
    notice = Notice(chat_words.FORGOTTEN.format(lemma=forgotten.lemma, sentences=sentences), forgotten.id)
    return await _book(request, who, _kept(form), notice)


async def undo(request: web.Request) -> web.Response:
    """撤销: the word back whole within its minute; after it, a notice that it is gone for good."""
    who, form = await auth.require_form(request)
    word_id = small_number(request.match_info["id"], digits=12)
    services = request.app[READER].services
    if word_id is None:
        return error_page(request, status=404, title="无法撤销", message=chat_words.NOTHING_TO_UNDO)

    def bring_back(session: Session) -> tuple[book.Undone, book.BookEntry | None]:
        return book.undo_forget(session, learner_id=who.learner_id, word_id=word_id, now=services.clock.now())

    outcome, entry = await auth.db(request.app[READER], bring_back)
    if outcome is book.Undone.RESTORED and entry is not None:
        return await _book(request, who, _kept(form), Notice(chat_words.RESTORED.format(lemma=entry.lemma)))
    if outcome is book.Undone.EXPIRED:
        return await _book(request, who, _kept(form), Notice(chat_words.UNDO_EXPIRED))
    return error_page(request, status=404, title="无法撤销", message=chat_words.NOTHING_TO_UNDO)


def forget_word(session: Session, services: Services, learner_id: int, word_id: int) -> book.BookEntry | None:
    """Hide the learner's entry `word_id`, as /forget does (after clearing their expired forgets);
    None when they have no such entry."""
    now = services.clock.now()
    book.purge_forgotten(session, now=now, learner_id=learner_id)
    found = book.entries_by_ids(session, learner_id=learner_id, ids=[word_id])
    if not found:
        return None
    return book.forget_word(session, learner_id=learner_id, lemma=found[0].lemma, now=now)


async def _book(request: web.Request, who: SignedIn, wanted: Wanted, notice: Notice) -> web.Response:
    """The book under what a forget or an undo did: read and rendered afresh, never kept."""
    deps = request.app[READER]
    found = await auth.db(
        deps, lambda session: read_book(session, deps.services, learner_id=who.learner_id, wanted=wanted)
    )
    return page_of(
        await render_bytes("words.html", request, {"active": "words", "book": found, "notice": notice})
    )


def _kept(form: MultiDictProxy[str]) -> Wanted:
    """The search and page the form was sent from, so the book comes back where it was."""
    return Wanted.parse(form.get("q"), form.get("page"))

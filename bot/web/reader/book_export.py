"""The book's downloads: the very CSV and Anki deck /export sends in the chats, made by the same
functions (bot.core.vocabulary_export), named for the learner's day, as attachments.

The Anki deck speaks up to 200 sentences, so a learner makes one at a time: a second request
while one is being made is told to wait (the chats' lease on exports, under platform "web").
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from sqlmodel import Session

from bot.clock import local_date
from bot.core import vocabulary_export
from bot.core.messages import Document
from bot.core.turn import Services
from bot.learning.export import ExportEntry
from bot.storage.vocabulary_book import export_entries
from bot.web.reader.book_model import learner_zone
from bot.web.reader.deps import READER
from bot.web.reader.private_page import PRIVATE, error_page
from bot.web.signin import auth

CSV_TYPE = "text/csv; charset=utf-8"
ANKI_TYPE = "application/octet-stream"  # Anki has no registered type; the .apkg name tells it
EMPTY = "生词本还是空的，没有可以导出的词。在 Telegram 里读课时点卡片上的 ⭐（或发送 /save 单词）收藏生词。"


def routes() -> list[web.RouteDef]:
    return [web.get("/words/export.csv", export_csv), web.get("/words/export.apkg", export_anki)]


async def export_csv(request: web.Request) -> web.Response:
    who = await auth.require_signed_in(request)
    deps = request.app[READER]
    found = await auth.db(deps, lambda session: read_export(session, deps.services, who.learner_id))
    if found is None:
        return _empty(request)
    exported, today = found
    return download(vocabulary_export.csv_document(exported, today), CSV_TYPE)


async def export_anki(request: web.Request) -> web.Response:
    who = await auth.require_signed_in(request)
    deps = request.app[READER]
    services = deps.services
    running = services.exports
    assert running is not None  # Services makes one
    person = (auth.WEB_PLATFORM, auth.web_user_id(who.learner_id))
    if not await running.start(*person):
        return error_page(request, status=429, title="正在导出", message=vocabulary_export.BUSY)
    try:
        found = await auth.db(deps, lambda session: read_export(session, services, who.learner_id))
        if found is None:
            return _empty(request)
        exported, today = found
        deck = await vocabulary_export.anki_document(
            exported, services.shelf, now=services.clock.now(), today=today
        )
    finally:
        await running.finish(*person)
    return download(deck, ANKI_TYPE)


def read_export(
    session: Session, services: Services, learner_id: int
) -> tuple[list[ExportEntry], dt.date] | None:
    """The whole book as the exporter takes it and the learner's today (for the file's name);
    None for an empty book."""
    entries = export_entries(session, learner_id=learner_id)
    if not entries:
        return None
    today = local_date(services.clock, learner_zone(session, services, learner_id))
    return [vocabulary_export.export_entry(entry, services.shelf) for entry in entries], today


def download(document: Document, content_type: str) -> web.Response:
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "Cache-Control": PRIVATE,
        "X-Content-Type-Options": "nosniff",
    }
    return web.Response(body=document.data, headers=headers)


def _empty(request: web.Request) -> web.Response:
    return error_page(request, status=404, title="生词本是空的", message=EMPTY)

"""Rendering a signed-in learner's pages (生词本, 复习): never kept by a cache or a proxy, and their
friendly error pages (the reader's shared error.html) likewise.

A big page (生词本's fifty entries and their sentences take milliseconds) is rendered in a worker
thread (`render_bytes`), so the loop goes on answering others meanwhile; its bytes may be kept and
answered again (`page_of`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp_jinja2
from aiohttp import web

from bot.web.reader import error_page as shared

PRIVATE = "private, no-store"  # one person's words: no shared cache may keep them, no back-forward copy


def render(
    template: str, request: web.Request, context: Mapping[str, object], *, status: int = 200
) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, dict(context), status=status)
    response.headers["Cache-Control"] = PRIVATE
    return response


async def render_bytes(template: str, request: web.Request, context: Mapping[str, object]) -> bytes:
    """The page as `render` would make it (the request's template context under `context`), as
    UTF-8, rendered in a worker thread."""
    page = request.config_dict[aiohttp_jinja2.APP_KEY].get_template(template)
    merged = {**request.get(aiohttp_jinja2.REQUEST_CONTEXT_KEY, {}), **context}
    return await asyncio.to_thread(lambda: page.render(merged).encode())


def page_of(body: bytes, *, status: int = 200) -> web.Response:
    """A page's bytes (from `render_bytes`, perhaps kept), answered as `render` answers."""
    response = web.Response(body=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = PRIVATE
    return response


def error_page(request: web.Request, *, status: int, title: str, message: str) -> web.Response:
    """What went wrong and that nothing changed; it may name the learner's words, so it is private too."""
    response = shared.error_page(request, status=status, title=title, message=message)
    response.headers["Cache-Control"] = PRIVATE
    return response

"""The reader's one page for what went wrong (404, 401, 403, 503…): a status, a title, a sentence
saying what to do next, and the site's navigation to go on from, never a bare status line."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web


def error_page(request: web.Request, *, status: int, title: str, message: str) -> web.Response:
    context = {"status": status, "title": title, "message": message, "active": ""}
    return aiohttp_jinja2.render_template("error.html", request, context, status=status)


def not_found(request: web.Request, message: str) -> web.Response:
    return error_page(request, status=404, title="没有找到这一页", message=message)

"""The reader on an aiohttp app: its templates, its static files and every route of its pages.

`install_reader` is the one place that knows all the reader's parts; each part (the lesson pages,
the audio, the vocabulary book, the review, the sign-in) keeps its own routes beside its handlers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from markupsafe import Markup, escape

from bot.web.reader import audio, book_pages, lesson_pages, review
from bot.web.reader.deps import READER, ReaderDeps
from bot.web.reader.error_page import not_found
from bot.web.signin import auth
from bot.web.signin import routes as signin_routes

WEB_PACKAGE = Path(__file__).resolve().parent.parent
STATIC = WEB_PACKAGE / "static"


def install_reader(app: web.Application, deps: ReaderDeps) -> None:
    app[READER] = deps
    # aiohttp-jinja2 reads a page's context under its own string key; aiohttp would rather have
    # typed keys and says so at every page. Ours is the one place that sets it.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=__name__)
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_PACKAGE / "templates"),
        autoescape=True,  # every page: posts and saved words are text people wrote, never markup
        undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not an empty string
    )
    environment.globals["static"] = static_url
    environment.filters["code_spans"] = code_spans
    app.middlewares.append(page_context)
    app.router.add_static("/static", STATIC, name="static")
    app.add_routes(
        [
            *lesson_pages.routes(),
            *audio.routes(),
            *book_pages.routes(),
            *review.routes(),
            *signin_routes.routes(),
        ]
    )


def code_spans(text: str) -> Markup:
    """Text with its `backticked` runs as <code> (translations mark commands and flags the way
    Markdown does: shown as code rather than as stray backticks), everything escaped. An unpaired
    backtick stays as it is."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: not Markdown code, leave the text alone
        return escape(text)
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if inside else escape(part)
        for inside, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
    )


def static_url(name: str) -> str:
    """A static file's address, with its modification time so a new release is never served stale."""
    version = int((STATIC / name).stat().st_mtime)
    return f"/static/{name}?v={version}"


# Files and sounds render no template: no sign-in lookup for them (an <audio> element seeking asks
# for a range at every jump).
NO_PAGE = ("/static/", "/audio/", "/healthz", "/metrics")


@web.middleware
async def page_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What every page's template knows (who is signed in, the form token), for requests that may
    render one; and an address that matches no route gets the site's 404 page, not a bare line."""
    if request.path.startswith(NO_PAGE):
        return await handler(request)
    request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = await auth.template_context(request)
    unmatched = request.match_info.http_exception
    if unmatched is not None and unmatched.status == 404 and request.method in ("GET", "HEAD"):
        return not_found(request, "这个地址没有页面。回到今日的课，或去归档找往期。")
    response = await handler(request)
    # A page differs by who asks (the header a Mini App signs with, a session's cookie): a shared
    # cache must keep them apart, and must keep no signed-in reader's page at all.
    response.headers["Vary"] = "Authorization, Cookie"
    if await auth.signed_in(request) is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response

"""The sign-in pages: a /web link's landing, signing out, and the Telegram Mini App's entry.

GET /signin?token=… spends the link's single-use token, sets the session cookie and goes on to the
vocabulary book; without a token it explains how to sign in. POST /signout ends the session.
GET /app is the page Telegram opens as the Mini App: its script (miniapp.js) keeps the init data
Telegram put in the address and opens the page the launch asked for.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.web.reader.deps import READER
from bot.web.signin import auth
from bot.web.signin.sessions import COOKIE, clear_cookie, close_session, open_session, set_cookie

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def routes() -> list[web.RouteDef]:
    return [
        web.get("/signin", sign_in, name="signin"),
        web.post("/signout", sign_out, name="signout"),
        web.get("/app", mini_app, name="miniapp"),
    ]


async def sign_in(request: web.Request) -> web.StreamResponse:
    """A /web link: spend its token once, set the cookie, go to 生词本. A used, expired or unknown
    token changes nothing and says how to get a new link. The answer is never cached and sends no
    Referer, so the token stays out of other sites' logs."""
    token = request.query.get("token", "").strip()
    if not token:
        return _sign_in_page(request, signed_out=request.query.get("signed_out") == "1")
    deps = request.app[READER]
    now = deps.services.clock.now()
    days = deps.settings.session_days
    opened = await auth.db(deps, lambda session: open_session(session, token=token, now=now, days=days))
    if opened is None:
        return _link_refused(request)
    await _end_previous(request)
    response = web.HTTPSeeOther("/words", headers=NO_STORE)
    set_cookie(response, request, deps.settings, opened.session_id)
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    """End this browser's session (its row goes, the cookie is cleared). Inside the Mini App there
    is no session to end: Telegram signs every request, so the book is simply shown again."""
    found, _form = await auth.require_form(request)
    if found.via != "session":
        raise web.HTTPSeeOther("/words")
    await _end_previous(request)
    response = web.HTTPSeeOther("/signin?signed_out=1", headers=NO_STORE)
    clear_cookie(response, request, request.app[READER].settings)
    raise response


async def mini_app(request: web.Request) -> web.StreamResponse:
    """The Mini App's entry page; everything it needs to know is in the address's #fragment, which
    only the browser sees, so the server sends the same page to everyone."""
    return aiohttp_jinja2.render_template("miniapp.html", request, {"active": "words"})


def _sign_in_page(request: web.Request, *, signed_out: bool) -> web.StreamResponse:
    deps = request.app[READER]
    context = {
        "active": "words",
        "signed_out": signed_out,
        "bot_username": deps.bot_username,
        "minutes": deps.settings.sign_in_minutes,
    }
    response = aiohttp_jinja2.render_template("signin.html", request, context)
    response.headers.update(NO_STORE)
    return response


def _link_refused(request: web.Request) -> web.StreamResponse:
    minutes = request.app[READER].settings.sign_in_minutes
    message = (
        f"这个登录链接已经用过、已过期或不完整：每个链接只能用一次，{minutes} 分钟内有效。"
        "在和 BuildSpeak 机器人的私聊里再发送一次 /web，就能领到新链接。"
    )
    html = auth.error_html(request, 400, "登录链接已失效", message)
    return web.Response(status=400, text=html, content_type="text/html", headers=NO_STORE)


async def _end_previous(request: web.Request) -> None:
    """The session this browser's cookie names goes (a new sign-in replaces it; signing out ends it)."""
    session_id = request.cookies.get(COOKIE)
    if session_id:
        deps = request.app[READER]
        await auth.db(deps, lambda session: close_session(session, session_id=session_id))

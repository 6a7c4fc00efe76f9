"""The sign-in pages: a /web link's landing, signing out, and the Telegram Mini App's entry.

GET /signin?token=… shows a page whose button POSTs the token: only that POST spends the link's
single-use token, sets the session cookie and goes on to the vocabulary book. A GET changes nothing,
so a link scanner or a preview cannot use a link up, and another site cannot sign a visitor in to
someone else's book with a link of its own (a cross-site POST is refused: login CSRF). Without a
token the page explains how to sign in. POST /signout ends the session.
GET /app is the page Telegram opens as the Mini App: its script (miniapp.js) keeps the init data
Telegram put in the address and opens the page the launch asked for.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from bot.web.reader.deps import READER
from bot.web.signin import auth
from bot.web.signin.sessions import COOKIE, clear_cookie, close_session, open_session, set_cookie

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def routes() -> list[web.RouteDef]:
    return [
        web.get("/signin", sign_in_page, name="signin"),
        web.post("/signin", sign_in),
        web.post("/signout", sign_out, name="signout"),
        web.get("/app", mini_app, name="miniapp"),
    ]


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """A /web link's landing: the 登录 button that spends it (nothing is spent here), or, without a
    token, how to sign in. Never cached, and no Referer: the token stays out of other sites' logs."""
    token = request.query.get("token", "").strip()
    return _sign_in_page(request, signed_out=request.query.get("signed_out") == "1", token=token)


async def sign_in(request: web.Request) -> web.StreamResponse:
    """登录: spend the link's token once, set the cookie, go to 生词本. A used, expired or unknown
    token, or a POST from another site, changes nothing and says what to do."""
    if _cross_site(request):
        html = auth.error_html(request, 403, "请从登录链接登录", CROSS_SITE)
        return web.Response(status=403, text=html, content_type="text/html", headers=NO_STORE)
    form = await request.post()
    token = str(form.get("token", "")).strip()
    if not token:
        return _link_refused(request)
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


def _cross_site(request: web.Request) -> bool:
    """Whether the browser says the POST comes from another site (Fetch Metadata, else Origin).
    A client that sends neither (an old browser, a script) is let through: the token is the key."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    ours = {request.host, urlsplit(request.app[READER].settings.public_url).netloc}
    return urlsplit(origin).netloc not in ours  # "null" (a sandboxed page) is no site of ours either


def _sign_in_page(request: web.Request, *, signed_out: bool, token: str = "") -> web.StreamResponse:
    deps = request.app[READER]
    context = {
        "active": "words",
        "token": token,
        "signed_out": signed_out,
        "bot_username": deps.bot_username,
        "minutes": deps.settings.sign_in_minutes,
    }
    response = aiohttp_jinja2.render_template("signin.html", request, context)
    response.headers.update(NO_STORE)
    return response


CROSS_SITE = (
    "这个登录请求来自别的网站，没有登录，什么都没有改变。"
    "请直接点 BuildSpeak 机器人在私聊里发给你的 /web 链接。"
)


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

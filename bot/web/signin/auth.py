"""Who is asking: the one question every reader page that shows or changes a learner's data asks.

Two ways in. Inside the Telegram Mini App every request carries `Authorization: tma <init data>`,
checked on that very request (nothing is remembered between requests, so a stolen page cannot be
replayed once the init data is old). On the open web a /web link opened a session whose id is in
an HttpOnly cookie; its forms send back the session's CSRF token, which a cross-site form cannot
know. A Mini App request needs no CSRF token: another site cannot set that header.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.storage.learners import find_learner, learner_of, link_identity
from bot.web.reader.deps import READER, ReaderDeps
from bot.web.signin.init_data import from_authorization, mini_app_user
from bot.web.signin.sessions import COOKIE, session_of

T = TypeVar("T")

WEB_PLATFORM = "web"


@dataclass(frozen=True)
class SignedIn:
    learner_id: int
    csrf: str  # what a cookie session's forms send back as `csrf`; "" under the Mini App's header
    via: str  # "miniapp" | "session"
    name: str | None  # Telegram's first_name when known


_SIGNED_IN = web.RequestKey[SignedIn | None]("signed_in")


async def signed_in(request: web.Request) -> SignedIn | None:
    """The learner this request comes from, or None. Asked once per request whatever asks it
    (the page's handler, its template's context), so a request costs at most one check."""
    if _SIGNED_IN not in request:
        request[_SIGNED_IN] = await _who(request)
    return request[_SIGNED_IN]


async def require_signed_in(request: web.Request) -> SignedIn:
    """The signed-in learner, or the 401 page (nothing of anyone's data in it)."""
    found = await signed_in(request)
    if found is None:
        raise web.HTTPUnauthorized(
            text=error_html(request, 401, "请先登录", SIGN_IN_HELP), content_type="text/html"
        )
    return found


async def require_form(request: web.Request) -> tuple[SignedIn, MultiDictProxy[str]]:
    """A POST that changes data: signed in, and for a cookie session the right CSRF token in the
    form (compared in constant time), or the 403 page and nothing changed."""
    found = await require_signed_in(request)
    form = await request.post()
    fields = MultiDictProxy(MultiDict(_text_fields(form)))
    if found.via == "session" and not _same(fields.get("csrf", ""), found.csrf):
        message = "这个表单已失效，没有做任何更改。请刷新页面后再试一次。"
        raise web.HTTPForbidden(
            text=error_html(request, 403, "请求已过期", message), content_type="text/html"
        )
    return found, fields


async def template_context(request: web.Request) -> dict[str, object]:
    """What every reader template may use: who is signed in, the CSRF token its forms carry,
    and the reader's public address."""
    found = await signed_in(request)
    return {
        "signed_in": found,
        "csrf": found.csrf if found is not None else "",
        "public_url": request.app[READER].settings.public_url,
    }


def web_user_id(learner_id: int) -> str:
    """The learner's user id on platform "web". Not a bare number: a bare admin id in ADMIN_IDS
    counts on every platform, and learner 42 must never pass for the Telegram or Discord user 42."""
    return f"learner-{learner_id}"


def web_identity(session: Session, *, learner_id: int, now: dt.datetime) -> None:
    """Make the learner reachable as platform "web" (`web_user_id`), so the page can hand the core
    an `Incoming` from the web and the core finds this very learner. Idempotent."""
    user_id = web_user_id(learner_id)
    if find_learner(session, platform=WEB_PLATFORM, user_id=user_id) is not None:
        return
    try:
        link_identity(session, learner_id=learner_id, platform=WEB_PLATFORM, user_id=user_id, now=now)
    except IntegrityError:  # another request of the same learner linked it first
        session.rollback()


SIGN_IN_HELP = (
    "这一页属于你的生词本。在 Telegram 里从 BuildSpeak 的「🌐 阅读页」按钮打开，"
    "或在和机器人的私聊里发送 /web 领取一次性登录链接。"
)


def error_html(request: web.Request, status: int, title: str, message: str) -> str:
    """The shared error page (error.html), for a status raised before any handler's template."""
    context = {"status": status, "title": title, "message": message, "active": None}
    return aiohttp_jinja2.render_string("error.html", request, context)


async def _who(request: web.Request) -> SignedIn | None:
    deps = request.app[READER]
    raw = from_authorization(request.headers.get("Authorization", ""))
    if raw is not None:  # a Mini App request: its init data decides, the cookie is not asked
        return await _mini_app(deps, raw)
    # Any other Authorization (a proxy's Basic auth in front of the reader) is not ours to judge.
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    now = deps.services.clock.now()
    row = await db(deps, lambda session: session_of(session, session_id=session_id, now=now))
    if row is None:
        return None
    return SignedIn(learner_id=row.learner_id, csrf=row.csrf, via="session", name=None)


async def _mini_app(deps: ReaderDeps, raw: str) -> SignedIn | None:
    if deps.telegram_token is None:  # no Telegram bot on this app: no Mini App sign-in
        return None
    now = deps.services.clock.now()
    user = mini_app_user(raw, bot_token=deps.telegram_token, max_age=deps.settings.init_data_max_age, now=now)
    if user is None:
        return None
    learner_id = await db(deps, lambda session: _telegram_learner(session, user.telegram_id, now))
    return SignedIn(learner_id=learner_id, csrf="", via="miniapp", name=user.first_name)


def _telegram_learner(session: Session, telegram_id: int, now: dt.datetime) -> int:
    """The learner behind a Telegram account, made on first use: opening the Mini App is learning."""
    learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
    assert learner.id is not None
    return learner.id


def _same(given: str, expected: str) -> bool:
    """Constant time, so the time a refusal takes says nothing of how much of the token was right."""
    return hmac.compare_digest(given.encode(), expected.encode())


def _text_fields(form: MultiDictProxy[Any]) -> list[tuple[str, str]]:
    """The form's text fields (a file upload is nothing a reader form sends)."""
    return [(key, value) for key, value in form.items() if isinstance(value, str)]


async def db(deps: ReaderDeps, work: Callable[[Session], T]) -> T:
    """`work(session)` in a worker thread: the loop serving every page never waits on the database."""

    def run() -> T:
        with deps.services.sessions() as session:
            return work(session)

    return await asyncio.to_thread(run)

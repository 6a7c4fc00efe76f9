"""The open web: /web's link signs a browser in once, within minutes, with a session cookie that
scripts cannot read and other sites' forms do not carry; signing out ends it. Only hashes of the
link's token and of the session id are ever stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.settings import WebSettings
from bot.storage.tables import SignInToken, WebSession
from bot.storage.web_signin import secret_hash
from bot.web.signin.sessions import COOKIE
from tests.core.fake_platform import FakeChat
from tests.web.signin.signin_support import set_cookies

Client = TestClient[web.Request, web.Application]
Sessions = Callable[[], Session]
ME = 4242


async def web_link(conversation: Conversation) -> str:
    """/web in the learner's private chat on Telegram (after saving a word): the link's token."""
    chat = FakeChat(conversation, chat_id=str(ME), user_id=str(ME), platform="telegram")
    await chat.say("/save moat")
    await chat.say("/web")
    (button,) = [button for row in chat.last.buttons for button in row]
    assert button.url is not None
    (token,) = parse_qs(urlsplit(button.url).query)["token"]
    return token


async def sign_in(client: Client, token: str, **headers: str) -> web.StreamResponse:
    """Open the link, then press its 登录 button (the page's form), as a browser does."""
    page = await client.get("/signin", params={"token": token}, headers=headers)
    assert page.status == 200 and f'name="token" value="{token}"' in await page.text()
    form = {"Sec-Fetch-Site": "same-origin", **headers}
    return await client.post("/signin", data={"token": token}, headers=form, allow_redirects=False)


def cookie_header(response: web.StreamResponse) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={set_cookies(response.headers)[COOKIE].value}"}


async def test_the_link_signs_in_with_a_safe_cookie_and_opens_the_book(
    client: Client, conversation: Conversation, sessions: Sessions
) -> None:
    token = await web_link(conversation)
    response = await sign_in(client, token)
    assert response.status == 303 and response.headers["Location"] == "/words"
    assert (
        response.headers["Referrer-Policy"] == "no-referrer"
        and response.headers["Cache-Control"] == "no-store"
    )
    cookie = set_cookies(response.headers)[COOKIE]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert cookie["max-age"] == str(30 * 86400)
    assert not cookie["secure"], "served over http here: a Secure cookie would never come back"
    book = await client.get("/words", headers=cookie_header(response))
    assert book.status == 200 and 'data-lemma="moat"' in await book.text()
    with sessions() as session:
        (row,) = session.exec(select(WebSession)).all()
        (link,) = session.exec(select(SignInToken)).all()
    assert row.id_hash == secret_hash(cookie.value) and cookie.value not in row.id_hash
    assert link.token_hash == secret_hash(token) and link.used_at is not None


async def test_a_link_works_once(client: Client, conversation: Conversation) -> None:
    token = await web_link(conversation)
    assert (await sign_in(client, token)).status == 303
    again = await sign_in(client, token)
    body = await again.text()
    assert again.status == 400 and COOKIE not in set_cookies(again.headers)
    assert "登录链接已失效" in body and "只能用一次" in body and "/web" in body and "moat" not in body


async def test_an_expired_link_is_refused(
    client: Client, conversation: Conversation, clock: FixedClock
) -> None:
    token = await web_link(conversation)
    clock.advance(dt.timedelta(minutes=15, seconds=1))
    response = await sign_in(client, token)
    assert response.status == 400 and COOKIE not in set_cookies(response.headers)
    assert "15 分钟内有效" in await response.text()


async def test_an_unknown_link_is_refused(client: Client, sessions: Sessions) -> None:
    response = await sign_in(client, "made-up-token")
    assert response.status == 400 and "登录链接已失效" in await response.text()
    with sessions() as session:
        assert session.exec(select(WebSession)).all() == []


async def test_signin_without_a_token_says_how_to_sign_in(client: Client) -> None:
    response = await client.get("/signin")
    body = await response.text()
    assert response.status == 200
    assert "/web" in body and "🌐 阅读页" in body and "15 分钟" in body
    assert "https://t.me/BuildSpeakTestBot" in body


async def test_a_session_runs_out_after_its_days(
    client: Client, conversation: Conversation, clock: FixedClock
) -> None:
    headers = cookie_header(await sign_in(client, await web_link(conversation)))
    clock.advance(dt.timedelta(days=29))
    assert (await client.get("/probe/who", headers=headers)).status == 200
    clock.advance(dt.timedelta(days=1))
    refused = await client.get("/words", headers=headers)
    assert refused.status == 401 and "moat" not in await refused.text()


async def test_a_made_up_cookie_is_no_one(client: Client) -> None:
    response = await client.get("/probe/who", headers={"Cookie": f"{COOKIE}=guess"})
    assert response.status == 401


async def test_signing_out_ends_the_session(
    client: Client, conversation: Conversation, sessions: Sessions
) -> None:
    headers = cookie_header(await sign_in(client, await web_link(conversation)))
    who = await (await client.get("/probe/who", headers=headers)).json()
    assert who["via"] == "session" and who["name"] is None
    with sessions() as session:
        csrf = session.exec(select(WebSession)).one().csrf
    out = await client.post("/signout", headers=headers, data={"csrf": csrf}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/signin?signed_out=1"
    cleared = set_cookies(out.headers)[COOKIE]
    assert cleared.value == "" and cleared["max-age"] == "0"
    with sessions() as session:
        assert session.exec(select(WebSession)).all() == [], "the row goes"
    assert (await client.get("/probe/who", headers=headers)).status == 401
    page = await client.get("/signin?signed_out=1")
    assert "你已退出登录" in await page.text()


async def test_signing_out_needs_the_csrf_token(
    client: Client, conversation: Conversation, sessions: Sessions
) -> None:
    headers = cookie_header(await sign_in(client, await web_link(conversation)))
    for form in ({}, {"csrf": "wrong"}):
        refused = await client.post("/signout", headers=headers, data=form, allow_redirects=False)
        assert refused.status == 403 and COOKIE not in set_cookies(refused.headers)
    with sessions() as session:
        assert len(session.exec(select(WebSession)).all()) == 1
    assert (await client.get("/probe/who", headers=headers)).status == 200


async def test_the_signed_in_signin_page_offers_to_sign_out(
    client: Client, conversation: Conversation, sessions: Sessions
) -> None:
    headers = cookie_header(await sign_in(client, await web_link(conversation)))
    with sessions() as session:
        csrf = session.exec(select(WebSession)).one().csrf
    body = await (await client.get("/signin", headers=headers)).text()
    assert "你已经登录了" in body and 'action="/signout"' in body and f'value="{csrf}"' in body


async def test_a_new_sign_in_replaces_the_browsers_old_session(
    client: Client, conversation: Conversation, sessions: Sessions
) -> None:
    first = cookie_header(await sign_in(client, await web_link(conversation)))
    second = await sign_in(client, await web_link(conversation), **first)
    assert second.status == 303
    assert (await client.get("/probe/who", headers=first)).status == 401
    assert (await client.get("/probe/who", headers=cookie_header(second))).status == 200
    with sessions() as session:
        assert len(session.exec(select(WebSession)).all()) == 1


@pytest.mark.parametrize(
    ("web_settings", "headers"),
    [
        (WebSettings(public_url="https://read.example.com"), {}),
        (WebSettings(public_url="http://127.0.0.1:8080"), {"X-Forwarded-Proto": "https"}),
    ],
)
async def test_the_cookie_is_secure_over_https(
    client: Client, conversation: Conversation, headers: dict[str, str]
) -> None:
    """Behind an HTTPS address, or a proxy that says the browser came over HTTPS."""
    response = await sign_in(client, await web_link(conversation), **headers)
    assert set_cookies(response.headers)[COOKIE]["secure"] is True


async def test_a_proxys_basic_auth_does_not_hide_the_session(
    client: Client, conversation: Conversation
) -> None:
    """A reader behind a password-protected proxy: the browser sends `Authorization: Basic …` on
    every request; only a `tma` header is the Mini App's, so the cookie still counts."""
    headers = cookie_header(await sign_in(client, await web_link(conversation)))
    response = await client.get("/probe/who", headers=headers | {"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status == 200 and (await response.json())["via"] == "session"


async def test_opening_a_link_spends_nothing_until_its_button_is_pressed(
    client: Client, conversation: Conversation, sessions: Sessions
) -> None:
    """A link scanner or a preview that fetches the link (GET or HEAD) does not use it up."""
    token = await web_link(conversation)
    for _ in range(2):
        assert (await client.get("/signin", params={"token": token})).status == 200
        assert (await client.head("/signin", params={"token": token})).status == 200
    with sessions() as session:
        assert session.exec(select(WebSession)).all() == []
    assert (await sign_in(client, token)).status == 303


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}],
)
async def test_a_sign_in_posted_from_another_site_is_refused_and_spends_nothing(
    client: Client, conversation: Conversation, sessions: Sessions, headers: dict[str, str]
) -> None:
    """Login CSRF: another site must not sign a visitor in to someone else's book with its own link."""
    token = await web_link(conversation)
    refused = await client.post("/signin", data={"token": token}, headers=headers, allow_redirects=False)
    assert refused.status == 403 and "来自别的网站" in await refused.text()
    assert COOKIE not in set_cookies(refused.headers)
    with sessions() as session:
        assert session.exec(select(WebSession)).all() == []
    assert (await sign_in(client, token)).status == 303, "the link still works from its own page"

"""Signing in inside the Telegram Mini App: the init data on each request is checked on that very
request, and leads to the learner of that Telegram account (the one the chat saves words for).
Forged, expired, missing or foreign init data gets the 401 page and nothing of anyone's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.settings import WebSettings
from bot.storage.learners import find_learner
from bot.storage.tables import Identity
from bot.web.app import build_app
from bot.web.health import Health
from bot.web.reader.deps import ReaderDeps
from tests.core.fake_platform import FakeChat
from tests.web.signin.signin_support import Probe, encoded, init_data, init_fields, mini_app, probe_routes

Client = TestClient[web.Request, web.Application]
Sessions = Callable[[], Session]
ME = 4242


async def saved_in_chat(conversation: Conversation, word: str) -> None:
    chat = FakeChat(conversation, chat_id=str(ME), user_id=str(ME), platform="telegram")
    await chat.say(f"/save {word}")


async def test_valid_init_data_signs_in_the_telegram_accounts_learner(
    client: Client, clock: FixedClock, sessions: Sessions
) -> None:
    response = await client.get(
        "/probe/who", headers=mini_app(init_data(telegram_id=ME, auth_date=clock.now()))
    )
    assert response.status == 200
    seen = await response.json()
    with sessions() as session:
        learner = find_learner(session, platform="telegram", user_id=str(ME))
    assert learner is not None, "opening the Mini App makes the learner, as a first message would"
    assert seen == {"learner_id": learner.id, "via": "miniapp", "name": "小明"}


async def test_the_book_in_the_mini_app_is_the_one_the_chat_fills(
    client: Client, clock: FixedClock, conversation: Conversation
) -> None:
    await saved_in_chat(conversation, "moat")
    response = await client.get("/words", headers=mini_app(init_data(telegram_id=ME, auth_date=clock.now())))
    assert response.status == 200
    assert 'data-lemma="moat"' in await response.text()


async def test_refused_init_data_shows_the_401_page_and_no_words(
    client: Client, clock: FixedClock, conversation: Conversation
) -> None:
    await saved_in_chat(conversation, "moat")
    now = clock.now()
    fields = init_fields(telegram_id=ME, auth_date=now)
    refused = {
        "forged": encoded(fields | {"hash": "0" * 64}),
        "expired": init_data(telegram_id=ME, auth_date=now - dt.timedelta(hours=2)),
        "another bot": init_data(telegram_id=ME, auth_date=now, bot_token="111:OTHER"),
        "empty": "",
    }
    for case, raw in refused.items():
        response = await client.get("/words", headers=mini_app(raw))
        body = await response.text()
        assert response.status == 401, case
        assert "请先登录" in body and "/web" in body, case
        assert "moat" not in body, case
    missing = await client.get("/words")
    assert missing.status == 401 and "moat" not in await missing.text()


async def test_init_data_is_checked_on_every_request(client: Client, clock: FixedClock) -> None:
    """Nothing is remembered between requests: the same init data, later than the limit, is refused."""
    headers = mini_app(init_data(telegram_id=ME, auth_date=clock.now()))
    assert (await client.get("/probe/who", headers=headers)).status == 200
    clock.advance(dt.timedelta(hours=1, seconds=1))
    assert (await client.get("/probe/who", headers=headers)).status == 401


async def test_a_mini_app_form_needs_no_csrf_token(client: Client, clock: FixedClock, probe: Probe) -> None:
    """Another site cannot set the Authorization header, so the header itself is the proof."""
    headers = mini_app(init_data(telegram_id=ME, auth_date=clock.now()))
    response = await client.post("/probe/change", headers=headers, data={"note": "hi"})
    assert response.status == 200 and (await response.json())["note"] == "hi"
    assert len(probe.changes) == 1


async def test_a_refused_header_is_not_rescued_by_anything_else(
    client: Client, clock: FixedClock, probe: Probe
) -> None:
    forged = encoded(init_fields(telegram_id=ME, auth_date=clock.now()) | {"hash": "1" * 64})
    response = await client.post("/probe/change", headers=mini_app(forged), data={"note": "hi"})
    assert response.status == 401 and probe.changes == []
    response = await client.get("/probe/who", headers={"Authorization": "Bearer something"})
    assert response.status == 401


async def test_opening_the_mini_app_twice_is_one_learner(
    client: Client, clock: FixedClock, sessions: Sessions
) -> None:
    for _ in range(2):
        headers = mini_app(init_data(telegram_id=ME, auth_date=clock.now()))
        assert (await client.get("/probe/who", headers=headers)).status == 200
    with sessions() as session:
        identities = session.exec(select(Identity).where(Identity.platform == "telegram")).all()
    assert [identity.user_id for identity in identities] == [str(ME)]


async def test_an_app_without_a_telegram_bot_signs_no_one_in_by_init_data(
    conversation: Conversation, web_settings: WebSettings, clock: FixedClock
) -> None:
    reader = ReaderDeps(conversation, web_settings, telegram_token=None)
    app = build_app(Health([]), reader=reader)
    app.add_routes(probe_routes(Probe()))
    async with TestClient(TestServer(app), cookie_jar=DummyCookieJar()) as alone:
        headers = mini_app(init_data(telegram_id=ME, auth_date=clock.now()))
        assert (await alone.get("/probe/who", headers=headers)).status == 401

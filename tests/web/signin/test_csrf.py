"""CSRF: a browser signed in by cookie must send its session's token with every form that changes
data. Without it, or with a wrong one (another session's included), the 403 page, and nothing
changes; the token the pages put in their forms is the one that works."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from bs4 import BeautifulSoup
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.storage import vocabulary_book as book
from bot.storage.learners import learner_of
from bot.storage.web_signin import issue_sign_in_token
from bot.web.signin.sessions import COOKIE, open_session
from tests.core.fake_platform import FakeChat
from tests.web.signin.signin_support import Probe

pytestmark = pytest.mark.database_incidental

Client = TestClient[web.Request, web.Application]
Sessions = Callable[[], Session]
ME, OTHER = 4242, 5353


def browser(sessions: Sessions, telegram_id: int, now: dt.datetime) -> tuple[int, dict[str, str], str]:
    """A browser signed in by a /web link: (learner id, its Cookie header, its session's CSRF token)."""
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
        assert learner.id is not None
        token = issue_sign_in_token(session, learner_id=learner.id, now=now, minutes=15)
        opened = open_session(session, token=token, now=now, days=30)
    assert opened is not None
    return learner.id, {"Cookie": f"{COOKIE}={opened.session_id}"}, opened.row.csrf


def words(sessions: Sessions, learner_id: int) -> list[str]:
    with sessions() as session:
        return [entry.lemma for entry in book.export_entries(session, learner_id=learner_id)]


async def test_a_form_without_the_right_token_is_refused(
    client: Client, sessions: Sessions, clock: FixedClock, probe: Probe
) -> None:
    _, headers, csrf = browser(sessions, ME, clock.now())
    _, _, theirs = browser(sessions, OTHER, clock.now())
    for form in (
        {"note": "x"},
        {"csrf": "", "note": "x"},
        {"csrf": csrf[:-1] + ("B" if csrf.endswith("A") else "A"), "note": "x"},  # one character off
        {"csrf": theirs},
    ):
        response = await client.post("/probe/change", headers=headers, data=form)
        body = await response.text()
        assert response.status == 403, form
        assert "没有做任何更改" in body and csrf not in body, form
    assert probe.changes == []
    accepted = await client.post("/probe/change", headers=headers, data={"csrf": csrf, "note": "x"})
    assert accepted.status == 200 and len(probe.changes) == 1


async def test_forgetting_a_word_without_the_token_changes_nothing(
    client: Client, sessions: Sessions, clock: FixedClock, conversation: Conversation
) -> None:
    await FakeChat(conversation, chat_id=str(ME), user_id=str(ME), platform="telegram").say("/save moat")
    learner_id, headers, csrf = browser(sessions, ME, clock.now())
    page = BeautifulSoup(await (await client.get("/words", headers=headers)).text(), "html.parser")
    form = page.select_one("li[data-lemma=moat] form.forget")
    assert form is not None
    action = str(form["action"])
    assert (await client.post(action, headers=headers, data={})).status == 403
    assert (await client.post(action, headers=headers, data={"csrf": "forged"})).status == 403
    assert words(sessions, learner_id) == ["moat"], "refused: the word is still in the book"
    sent = {str(field["name"]): str(field.get("value", "")) for field in form.select("input[name]")}
    assert sent["csrf"] == csrf, "the page's form carries the session's token"
    assert (await client.post(action, headers=headers, data=sent)).status == 200
    assert words(sessions, learner_id) == []


async def test_a_form_without_a_sign_in_is_a_401(client: Client, probe: Probe) -> None:
    response = await client.post("/probe/change", data={"csrf": "anything"})
    assert response.status == 401 and probe.changes == []

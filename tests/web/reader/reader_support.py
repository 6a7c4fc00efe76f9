"""Signing a test's learner in to the reader, the two ways a real one comes: Telegram Mini App init
data on every request, or a /web link's session cookie with its CSRF token.

Init data is signed here with Telegram's documented algorithm written out by hand (not by the
library the app checks it with): every field but `hash` as `key=value`, sorted, joined by newlines;
the key is HMAC-SHA256 of the bot token keyed "WebAppData"; `hash` is the hex HMAC of the string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlmodel import Session

from bot.storage.learners import learner_of
from bot.storage.web_signin import issue_sign_in_token
from bot.web.signin.sessions import COOKIE, open_session

Sessions = Callable[[], Session]
TEST_BOT_TOKEN = "123456:READER-TEST-TOKEN"
TEST_BOT_USERNAME = "BuildSpeakTestBot"


@dataclass(frozen=True)
class Visitor:
    """A signed-in person: the headers each of their requests carries, and what their forms send."""

    learner_id: int
    headers: dict[str, str]
    csrf: str = ""
    via: str = "miniapp"

    def with_form(self, **fields: str) -> dict[str, str]:
        """A form's fields as this visitor's browser posts them (the CSRF token of a session included)."""
        return ({"csrf": self.csrf} if self.csrf else {}) | fields


def init_data(*, telegram_id: int, auth_date: dt.datetime, bot_token: str = TEST_BOT_TOKEN) -> str:
    """Init data as Telegram signs it for a private-chat launch by this user."""
    user = {"id": telegram_id, "first_name": "Tester", "language_code": "zh-hans"}
    fields = {
        "query_id": f"AAH{telegram_id}",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(auth_date.timestamp())),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def mini_app_visitor(sessions: Sessions, *, telegram_id: int, now: dt.datetime) -> Visitor:
    """A Telegram user in the Mini App: the learner behind their Telegram account (the same one
    their chat with the bot saves words for)."""
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
    assert learner.id is not None
    header = f"tma {init_data(telegram_id=telegram_id, auth_date=now)}"
    return Visitor(learner.id, {"Authorization": header})


def session_visitor(sessions: Sessions, *, telegram_id: int, now: dt.datetime) -> Visitor:
    """A browser signed in by a /web link: its session cookie, and the session's CSRF token."""
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
        assert learner.id is not None
        token = issue_sign_in_token(session, learner_id=learner.id, now=now, minutes=15)
        opened = open_session(session, token=token, now=now, days=30)
        assert opened is not None
        csrf = opened.row.csrf
    return Visitor(learner.id, {"Cookie": f"{COOKIE}={opened.session_id}"}, csrf, via="session")

"""Checking a Mini App's init data: only what Telegram signed for this bot, recently, is a user.

Every vector is signed in the test with the documented algorithm (signin_support), so a mistake in
how the app calls the library cannot hide behind the library signing its own test data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.web.signin.init_data import MiniAppUser, from_authorization, mini_app_user
from tests.web.signin.signin_support import BOT_TOKEN, encoded, init_data, init_fields, signature

pytestmark = pytest.mark.database_incidental

NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
HOUR = 3600


def check(raw: str, *, max_age: int = HOUR, token: str = BOT_TOKEN) -> MiniAppUser | None:
    return mini_app_user(raw, bot_token=token, max_age=max_age, now=NOW)


def test_valid_init_data_names_its_user_and_what_the_launch_asked_for() -> None:
    raw = init_data(telegram_id=4242, auth_date=NOW - dt.timedelta(minutes=5), start_param="day-3")
    assert check(raw) == MiniAppUser(telegram_id=4242, first_name="小明", start_param="day-3")


def test_a_forged_hash_is_refused() -> None:
    fields = init_fields(telegram_id=4242, auth_date=NOW)
    assert check(encoded(fields | {"hash": "ab" * 32})) is None
    assert check(encoded(fields | {"hash": "not-hex"})) is None


def test_a_tampered_user_is_refused() -> None:
    """Signed for 4242, then the user's id changed to someone else's: the hash no longer matches."""
    fields = init_fields(telegram_id=4242, auth_date=NOW)
    signed = fields | {"hash": signature(fields)}
    someone_else = json.loads(fields["user"]) | {"id": 1}
    tampered = signed | {"user": json.dumps(someone_else, separators=(",", ":"), ensure_ascii=False)}
    assert check(encoded(signed)) is not None
    assert check(encoded(tampered)) is None


def test_an_added_field_is_refused() -> None:
    fields = init_fields(telegram_id=4242, auth_date=NOW)
    assert check(encoded(fields | {"hash": signature(fields), "start_param": "words"})) is None


def test_init_data_older_than_the_limit_is_refused() -> None:
    at_the_limit = init_data(telegram_id=4242, auth_date=NOW - dt.timedelta(seconds=HOUR))
    too_old = init_data(telegram_id=4242, auth_date=NOW - dt.timedelta(seconds=HOUR + 1))
    assert check(at_the_limit) is not None
    assert check(too_old) is None
    assert check(too_old, max_age=2 * HOUR) is not None, "the limit is the setting's"


def test_missing_or_malformed_init_data_is_refused() -> None:
    fields = init_fields(telegram_id=4242, auth_date=NOW)
    assert check("") is None
    assert check(encoded(fields)) is None, "no hash"
    without_date = {key: value for key, value in fields.items() if key != "auth_date"}
    assert check(encoded(without_date | {"hash": signature(without_date)})) is None
    assert check("%%%") is None


def test_init_data_for_another_bot_is_refused() -> None:
    raw = init_data(telegram_id=4242, auth_date=NOW, bot_token="111:ANOTHER-BOT")
    assert check(raw) is None
    assert check(raw, token="111:ANOTHER-BOT") is not None


def test_a_duplicated_field_is_refused() -> None:
    """Two `user` fields: the signed one and the one read could differ."""
    raw = init_data(telegram_id=4242, auth_date=NOW)
    other = init_fields(telegram_id=1, auth_date=NOW)["user"]
    assert check(raw + "&" + encoded({"user": other})) is None


def test_init_data_without_a_user_is_no_one() -> None:
    fields = {"chat_instance": "-1", "chat_type": "sender", "auth_date": str(int(NOW.timestamp()))}
    assert check(encoded(fields | {"hash": signature(fields)})) is None


def test_only_the_tma_scheme_carries_init_data() -> None:
    assert from_authorization("tma query_id=1&hash=2") == "query_id=1&hash=2"
    assert from_authorization("TMA abc") == "abc"
    assert from_authorization("Bearer abc") is None
    assert from_authorization("tma ") is None
    assert from_authorization("") is None

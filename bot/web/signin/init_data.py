"""Who a Telegram Mini App request comes from: its init data, checked against the bot's token.

Telegram signs the init data with a key derived from the bot token (HMAC-SHA256 keyed "WebAppData"),
so only Telegram and this bot can make it; `init-data-py` does the check — on the raw pairs as
received, comparing the hash with `hmac.compare_digest` — and refuses duplicate fields. The age
limit keeps a copied init data from working forever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import init_data_py
from init_data_py import errors


@dataclass(frozen=True)
class MiniAppUser:
    telegram_id: int
    first_name: str
    start_param: str | None  # what the link that opened the Mini App asked for (caller-controlled text)


def mini_app_user(raw: str, *, bot_token: str, max_age: int, now: dt.datetime) -> MiniAppUser | None:
    """The Telegram user behind `raw` init data, or None when it is malformed, forged for another
    bot, tampered with, older than `max_age` seconds, or names no user (a chat-only launch)."""
    try:
        data = init_data_py.validate_by_hash(raw, bot_token, expires_in=max_age, now=now)
    except errors.InvalidInitDataError:
        return None
    if data.user is None:
        return None
    return MiniAppUser(
        telegram_id=data.user.id, first_name=data.user.first_name, start_param=data.start_param
    )


def from_authorization(header: str) -> str | None:
    """The init data in an `Authorization: tma <init data>` header, or None for any other header."""
    try:
        return init_data_py.strip_auth_header(header, scheme="tma")
    except errors.InvalidInitDataError:
        return None

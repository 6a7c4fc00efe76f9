"""Telegram Mini App init data as Telegram makes it, signed here by hand (not by the library the
app checks it with), and the `/app` address that carries it in the hash the way Telegram opens it.

Telegram's documented algorithm: every field but `hash`, as `key=value` sorted by key and joined
by newlines, is the data-check string; the secret key is HMAC-SHA256 of the bot token keyed with
the string "WebAppData"; `hash` is the hex HMAC-SHA256 of the data-check string with that key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

MINI_APP_VERSION = "7.0"


def init_data(*, bot_token: str, telegram_id: int, first_name: str, auth_date: dt.datetime) -> str:
    """Signed init data for a private-chat launch by this Telegram user at `auth_date`."""
    user = {
        "id": telegram_id,
        "first_name": first_name,
        "language_code": "zh-hans",
        "allows_write_to_pm": True,
    }
    fields = {
        "query_id": f"AAH{telegram_id}",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(auth_date.timestamp())),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def forged(raw: str) -> str:
    """The same init data with another user's id put in, the hash left as it was."""
    return raw.replace("%22id%22%3A", "%22id%22%3A9", 1)


def app_address(base_url: str, raw: str) -> str:
    """`/app` opened as Telegram opens a Mini App: the init data, URL-encoded, in the hash."""
    launch = urlencode({"tgWebAppData": raw, "tgWebAppVersion": MINI_APP_VERSION}, quote_via=quote)
    return f"{base_url}/app#{launch}"

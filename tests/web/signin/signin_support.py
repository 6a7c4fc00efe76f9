"""What the sign-in tests share: Telegram init data signed by hand with the documented algorithm
(never with the library the app checks it with), the probe routes, and cookie reading.

Telegram's algorithm (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
every received field but `hash`, as `key=value`, sorted, joined with "\\n"; secret key =
HMAC-SHA256(key="WebAppData", message=bot token); hash = hex HMAC-SHA256(secret key, that string).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.web.signin import auth

BOT_TOKEN = "987654:SIGN-IN-TEST-TOKEN"
READER_URL = "http://127.0.0.1:8080"


def init_fields(
    *, telegram_id: int, auth_date: dt.datetime, first_name: str = "小明", start_param: str | None = None
) -> dict[str, str]:
    """The fields Telegram sends for a private-chat launch, before signing."""
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
    if start_param is not None:
        fields["start_param"] = start_param
    return fields


def signature(fields: dict[str, str], bot_token: str = BOT_TOKEN) -> str:
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()) if key != "hash")
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def encoded(fields: dict[str, str]) -> str:
    """As `Telegram.WebApp.initData` holds it: a URL-encoded query string."""
    return urlencode(fields, quote_via=quote)


def init_data(*, telegram_id: int, auth_date: dt.datetime, bot_token: str = BOT_TOKEN, **extra: str) -> str:
    fields = init_fields(telegram_id=telegram_id, auth_date=auth_date, **extra)
    return encoded(fields | {"hash": signature(fields, bot_token)})


def mini_app(raw: str) -> dict[str, str]:
    return {"Authorization": f"tma {raw}"}


@dataclass
class Probe:
    """What the probe routes saw: the signed-in learner of each request, and the changes let through."""

    changes: list[int] = field(default_factory=list)


def probe_routes(probe: Probe) -> list[web.RouteDef]:
    async def who(request: web.Request) -> web.Response:
        found = await auth.require_signed_in(request)
        return web.json_response({"learner_id": found.learner_id, "via": found.via, "name": found.name})

    async def change(request: web.Request) -> web.Response:
        found, form = await auth.require_form(request)
        probe.changes.append(found.learner_id)
        return web.json_response({"learner_id": found.learner_id, "note": form.get("note", "")})

    return [web.get("/probe/who", who), web.post("/probe/change", change)]


def set_cookies(headers: object) -> SimpleCookie:
    """Every Set-Cookie of a response, parsed (flags included)."""
    cookies: SimpleCookie = SimpleCookie()
    for line in headers.getall("Set-Cookie", []):  # type: ignore[attr-defined]
        cookies.load(line)
    return cookies

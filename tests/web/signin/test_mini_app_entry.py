"""/app, the page Telegram opens as the Mini App: the same page for everyone (the init data is in
the address's #fragment, which only the browser sees), our own script and nothing from elsewhere."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from bs4 import BeautifulSoup

pytestmark = pytest.mark.database_incidental

Client = TestClient[web.Request, web.Application]


async def test_the_entry_page_loads_our_script_and_nothing_external(client: Client) -> None:
    response = await client.get("/app")
    assert response.status == 200
    page = BeautifulSoup(await response.text(), "html.parser")
    assert page.select_one("main#main #miniapp-entry #miniapp-wait") is not None
    outside = page.select_one("#miniapp-outside")
    assert outside is not None and outside.has_attr("hidden"), "shown by the script only outside Telegram"
    scripts = [str(tag["src"]) for tag in page.select("script[src]")]
    assert any(re.fullmatch(r"/static/miniapp\.js\?v=\d+", src) for src in scripts)
    assert all(src.startswith("/static/") for src in scripts), "no telegram-web-app.js, no CDN"
    assert page.select_one("nav a[aria-current=page]").get_text() == "生词本"


async def test_the_script_is_served_and_sends_the_header(client: Client) -> None:
    response = await client.get("/static/miniapp.js")
    assert response.status == 200
    script = await response.text()
    assert '"tma " + initData' in script and "tgWebAppData" in script
    assert "buildspeak:page" in script and "sessionStorage" in script
    assert "telegram.org/js" not in script

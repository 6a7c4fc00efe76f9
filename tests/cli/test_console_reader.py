"""The console chat serves the reader beside it: `/web` in the terminal gives a sign-in link to
the app it runs, and the browser that opens it sees the console learner's own 生词本."""

from __future__ import annotations

import io
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

from rich.console import Console

from bot.cli.chat import build_runtime, reader_address
from bot.cli.context import CliContext
from bot.clock import FixedClock
from bot.settings import AudioSettings, DatabaseSettings, Settings, WebSettings
from bot.storage.engine import migrate
from tests.chat_support import MORNING
from tests.process_support import free_port

LINK = re.compile(r"http://127\.0\.0\.1:\d+/signin\?token=[\w-]+")


def console_context(tmp_path: Path, port: int) -> CliContext:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path}/buildspeak.db"),
        audio=AudioSettings(cache_dir=tmp_path / "audio", gtts=False),
        web=WebSettings(port=port),
    )
    context = CliContext(settings, FixedClock(MORNING), out=Console(file=io.StringIO(), width=400))
    migrate(context.database_engine)
    return context


async def test_web_in_the_console_signs_a_browser_in_to_the_consoles_book(tmp_path: Path) -> None:
    context = console_context(tmp_path, free_port())
    shown: dict[str, str] = {}

    def typed() -> Iterator[str | None]:
        yield "/save engulfed"
        yield "/web"
        printed = context.out.file.getvalue()  # type: ignore[attr-defined]
        found = LINK.search(printed)
        assert found is not None, printed
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        with browser.open(found.group(0), timeout=10) as page:  # the link's page: its 登录 button
            (token,) = re.findall(r'name="token" value="([\w-]+)"', page.read().decode())
        pressed = urllib.parse.urlencode({"token": token}).encode()
        with browser.open(found.group(0).split("?")[0], data=pressed, timeout=10) as page:  # → /words
            shown["url"], shown["book"] = page.geturl(), page.read().decode()
        yield None

    lines = typed()
    runtime = build_runtime(context, ("console",), "", read=lambda: next(lines))
    await runtime.run(signals=False)
    context.database_engine.dispose()
    assert shown["url"].endswith("/words")
    assert 'data-lemma="engulf"' in shown["book"]


def test_the_console_links_to_its_own_app_and_a_deployment_to_its_public_address() -> None:
    assert reader_address(WebSettings(port=8080), console=True) == "http://127.0.0.1:8080"
    assert reader_address(WebSettings(host="0.0.0.0", port=9000), console=True) == "http://127.0.0.1:9000"
    assert reader_address(WebSettings(port=0), console=True) == "", "a port chosen at start is not known"
    assert reader_address(WebSettings(port=8080)) == "", "a bot's workers link only to a public address"
    public = WebSettings(public_url="https://read.example.com", enabled=False)
    assert reader_address(public) == "https://read.example.com", "a push worker serving no HTTP links too"
    assert reader_address(WebSettings(public_url="https://read.example.com", reader=False)) == ""

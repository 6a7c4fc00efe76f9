"""miniapp.js in a real browser (Debian's Chromium, driven by Playwright's async API on the test's
own loop, beside the aiohttp test server): /app opened as Telegram opens it, with the init data in
the #fragment, signs every later page with `Authorization: tma …` — links, the back button, the
launch's start page and downloads — and outside Telegram it only says where to open it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, async_playwright

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from tests.core.fake_platform import FakeChat
from tests.web.signin.signin_support import init_data

Client = TestClient[web.Request, web.Application]
CHROMIUM = Path("/usr/bin/chromium")
ME = 4242
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

# Page tests (the SQLite pass runs them); without Chromium they skip, except on CI, where the
# launch fails and says so, as tests/browser does.
pytestmark = [
    pytest.mark.database_incidental,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Chromium: bash scripts/install-system-deps.sh",
    ),
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(accept_downloads=True)
    try:
        yield await context.new_page()
    finally:
        await context.close()


def launch(client: Client, raw: str, **extra: str) -> str:
    """/app as Telegram opens a Mini App: its launch parameters, URL-encoded, in the #fragment."""
    fragment = urlencode({"tgWebAppData": raw, "tgWebAppVersion": "7.0", **extra}, quote_via=quote)
    return f"{client.make_url('/app')}#{fragment}"


async def saved(conversation: Conversation, *words: str) -> None:
    chat = FakeChat(conversation, chat_id=str(ME), user_id=str(ME), platform="telegram")
    for word in words:
        await chat.say(f"/save {word}")


async def test_the_book_opens_signed_and_stays_signed_across_links_and_back(
    client: Client, page: Page, clock: FixedClock, conversation: Conversation
) -> None:
    await saved(conversation, "moat")
    signed: list[str] = []
    page.on(
        "request",
        lambda r: signed.append(r.url) if r.headers.get("authorization", "").startswith("tma ") else None,
    )
    await page.goto(launch(client, init_data(telegram_id=ME, auth_date=clock.now())))
    await page.locator("li.entry[data-lemma=moat]").wait_for()
    assert page.url == str(client.make_url("/words")), "the address is the book's, the init data gone from it"
    assert await page.evaluate("sessionStorage.getItem('buildspeak.initData')") is not None
    await page.click("nav a[href='/']")
    await page.locator("article.lesson").wait_for()
    assert page.url == str(client.make_url("/")) and await page.title() != ""
    assert await page.get_attribute("nav a[href='/']", "aria-current") == "page"
    await page.click("nav a[href='/words']")
    await page.locator("li.entry[data-lemma=moat]").wait_for()
    await page.go_back()
    await page.locator("article.lesson").wait_for()
    assert page.url == str(client.make_url("/"))
    assert {url.split("?")[0] for url in signed} >= {str(client.make_url(p)) for p in ("/words", "/")}


async def test_the_launch_can_ask_for_another_page(client: Client, page: Page, clock: FixedClock) -> None:
    raw = init_data(telegram_id=ME, auth_date=clock.now())
    await page.goto(launch(client, raw, tgWebAppStartParam="archive"))
    await page.locator("ol.archive").wait_for()
    assert page.url == str(client.make_url("/archive"))
    await page.goto(launch(client, raw, tgWebAppStartParam="javascript:alert(1)"))
    await page.locator("section#due, ul.book, .empty, section.error").first.wait_for()
    assert page.url == str(client.make_url("/words")), "anything else opens the book"


async def test_an_export_downloads_as_a_file(
    client: Client, page: Page, clock: FixedClock, conversation: Conversation
) -> None:
    await saved(conversation, "moat", "brittle")
    await page.goto(launch(client, init_data(telegram_id=ME, auth_date=clock.now())))
    await page.locator("a#export-csv").wait_for()
    async with page.expect_download() as waiting:
        await page.click("a#export-csv")
    download = await waiting.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(await download.path()).read_text(encoding="utf-8-sig")
    assert "moat" in content and "brittle" in content
    assert page.url == str(client.make_url("/words")), "the page stays where it was"


async def test_forged_init_data_shows_the_sign_in_page(
    client: Client, page: Page, clock: FixedClock, conversation: Conversation
) -> None:
    await saved(conversation, "moat")
    raw = init_data(
        telegram_id=ME, auth_date=clock.now() - dt.timedelta(hours=2)
    )  # older than the hour allowed
    await page.goto(launch(client, raw))
    await page.locator("main#main [data-status='401']").wait_for()
    assert "请先登录" in await page.inner_text("main#main")
    assert "moat" not in await page.content()


async def test_outside_telegram_the_entry_says_where_to_open_it(client: Client, page: Page) -> None:
    await page.goto(str(client.make_url("/app")))
    await page.locator("#miniapp-outside").wait_for(state="visible")
    assert await page.locator("#miniapp-wait").is_hidden()
    assert "Telegram" in await page.inner_text("#miniapp-outside")
    await page.click("nav a[href='/words']")  # an ordinary link: no init data, no soft navigation
    await page.locator("main#main [data-status='401']").wait_for()

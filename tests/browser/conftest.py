"""The reader in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright.

One browser for the folder's tests, a fresh context (cookies, storage, viewport) for every test, and
the bot's web app with the reader served on a loopback port over the bundled library, a test
database, the offline voice (espeak-ng + lame: real MP3s Chromium really plays) and a clock that
stands at day 22 of the calendar, so "today" is a known lesson.

They run in the SQLite pass only (CI's PostgreSQL pass repeats the database tests; a browser adds
nothing there and costs minutes). Without Chromium or the voice they skip, saying what to install
— except under CI (the `CI` variable set), where a skipped browser test would hide a broken reader,
so they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlmodel import Session

from bot.core.conversation import Conversation
from bot.storage.engine import create_database_engine, migrate, session_factory
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.browser.reader_server import ReaderServer
from tests.core.quiz_support import quiz_services

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
INSTALL_HINT = "run `bash scripts/install-system-deps.sh` as root"
SCREENSHOTS = chat_support.PROJECT / "build" / "screenshots"
TIMEZONE = "Asia/Shanghai"  # the clock's morning is day 22 here (and in the reader's default zone)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

SHOT_KEY = pytest.StashKey[list[Path]]()
CHROMIUM_KEY = pytest.StashKey["Chromium"]()
HERE = Path(__file__).resolve().parent


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where a silently skipped browser test hides a broken reader."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: browser tests must run)")
    pytest.skip(reason)


class Chromium:
    """The one browser of the run, launched on first use and closed as soon as the run leaves this
    folder: Playwright's sync API keeps its event loop marked running in the test thread while it
    is up, and every async test after it would find a loop already running."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is None:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


@pytest.fixture(scope="session")
def chromium(postgres_server_url: str | None, pytestconfig: pytest.Config) -> Chromium:
    """The browser, or the reason there is none (a skip, or under CI a failure)."""
    if postgres_server_url is not None:
        pytest.skip("browser tests run in the SQLite pass only: the PostgreSQL pass repeats database tests")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}; {INSTALL_HINT}")
    missing = [tool for tool in ("espeak-ng", "lame") if shutil.which(tool) is None]
    if missing:
        unavailable(
            f"{' and '.join(missing)} not installed (the offline voice the pages play); {INSTALL_HINT}"
        )
    return pytestconfig.stash.setdefault(CHROMIUM_KEY, Chromium())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the last test of this folder (its fixtures torn down first), the browser goes."""
    yield
    leaving = nextitem is None or HERE not in nextitem.path.parents
    if leaving and CHROMIUM_KEY in item.config.stash:
        item.config.stash[CHROMIUM_KEY].close()


@pytest.fixture
def browser(chromium: Chromium) -> Browser:
    return chromium.browser()


@dataclass
class Pages:
    """Opens pages in fresh browser contexts; remembers each page's script errors to report them."""

    browser: Browser
    opened: list[tuple[Page, list[str]]]

    def __call__(self, *, viewport: dict[str, int] = DESKTOP, dark: bool = False) -> Page:
        context = self.browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            timezone_id=TIMEZONE,
            locale="zh-CN",
            color_scheme="dark" if dark else "light",
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        self.opened.append((page, errors))
        return page


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Pages]:
    pages = Pages(browser, [])
    yield pages
    for page, _ in pages.opened:
        page.context.close()
    thrown = [error for _, errors in pages.opened for error in errors]
    assert not thrown, f"the page's scripts threw: {thrown}"


@pytest.fixture
def page(new_page: Pages) -> Page:
    return new_page()


# --- The app -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Session]]:
    """A migrated SQLite database for one test module, so a module's tests share one server."""
    engine = create_database_engine(f"sqlite:///{tmp_path_factory.mktemp('reader-db')}/reader.db")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def reader(
    chromium: Chromium,
    catalog: Catalog,
    builder: DeckBuilder,
    module_sessions: Callable[[], Session],
    audio_dir: Path,
) -> Iterator[ReaderServer]:
    """The reader for one test module; its services use a seeded quiz kit without FSRS fuzz, so a
    review on the page and the same review in a chat move a word the same way."""
    services = quiz_services(chat_support.services(catalog, builder, module_sessions, audio_dir))
    server = ReaderServer(Conversation(services)).start()
    yield server
    server.stop()


# --- Screenshots -------------------------------------------------------------------------------


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Writes what the page shows (the viewport; `full_page` for all of it) to
    build/screenshots/<name>.png; the folder is printed at the end of the run."""

    def take(page: Page, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        request.config.stash.setdefault(SHOT_KEY, []).append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    shots = config.stash.get(SHOT_KEY, [])
    if shots:
        terminalreporter.write_line(f"reader screenshots ({len(shots)}): {SCREENSHOTS}")

"""Screenshots of 今日 and 生词本 as a phone (390×844) and a desktop (1280×800) show them, 今日 also in
dark mode, written to build/screenshots/ for a person to look at: CJK glyphs drawn, nothing wider
than the phone, the current card in view, dark mode readable.

What a machine can check is checked here too: no page is wider than its viewport, the current card
is inside the first screen, and dark mode really paints the page dark (the body's background and
text colours far apart).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.book_support import Sessions, clock_of, library_words, open_mini_app, save_met, signed
from tests.browser.conftest import DESKTOP, PHONE, Pages
from tests.browser.reader_server import ReaderServer

Shoot = Callable[..., Path]
SIZES = {"390x844": PHONE, "1280x800": DESKTOP}
COLOURS = """() => {
    const style = getComputedStyle(document.body);
    const rgb = value => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
    return [rgb(style.backgroundColor), rgb(style.color)];
}"""


def assert_fits(page: Page) -> None:
    """Nothing reaches past the viewport's right edge (no sideways scrolling on a phone)."""
    width, wide = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert wide <= width, f"the page is {wide} px wide in a {width} px viewport"


def assert_current_card_in_view(page: Page) -> None:
    box = page.locator("section.card.current").bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert 0 <= box["y"] < viewport["height"], "the current card starts on the first screen"


def luminance(rgb: list[float]) -> float:
    """Relative luminance (WCAG), 0 for black to 1 for white."""
    linear = [c / 255 / 12.92 if c <= 0.04045 * 255 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: list[float], second: list[float]) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_todays_page_on_a_phone_and_a_desktop(
    reader: ReaderServer, new_page: Pages, screenshot: Shoot
) -> None:
    for size, viewport in SIZES.items():
        page = new_page(viewport=viewport)
        page.goto(f"{reader.url}/")
        expect(page.locator("section.card").first).to_be_visible()
        assert_fits(page)
        assert_current_card_in_view(page)
        screenshot(page, f"today-{size}")
    phone = new_page(viewport=PHONE)
    phone.goto(f"{reader.url}/")
    phone.keyboard.press("t")
    phone.keyboard.press("ArrowRight")
    expect(phone.locator("#card-2")).to_have_attribute("aria-current", "true")
    assert_fits(phone)
    screenshot(phone, "today-390x844-translated-full", full_page=True)


def test_todays_page_in_dark_mode(reader: ReaderServer, new_page: Pages, screenshot: Shoot) -> None:
    light = new_page(viewport=PHONE)
    light.goto(f"{reader.url}/")
    page = new_page(viewport=PHONE, dark=True)
    page.goto(f"{reader.url}/")
    expect(page.locator("section.card").first).to_be_visible()
    background, text = page.evaluate(COLOURS)
    assert luminance(background) < 0.2, f"dark mode paints the page dark, not {background}"
    assert contrast(background, text) >= 7, f"text {text} on {background} is hard to read"
    assert light.evaluate(COLOURS) != [background, text], "dark mode differs from light"
    assert_fits(page)
    assert_current_card_in_view(page)
    screenshot(page, "today-390x844-dark")


def test_the_vocabulary_book_on_a_phone_and_a_desktop(
    reader: ReaderServer, module_sessions: Sessions, new_page: Pages, screenshot: Shoot
) -> None:
    save_met(module_sessions, 5101, library_words(reader, 6), clock_of(reader).now())
    for size, viewport in SIZES.items():
        page = new_page(viewport=viewport)
        open_mini_app(page, reader, signed(reader, 5101))
        expect(page.locator("ul.book li.entry")).to_have_count(6)
        assert_fits(page)
        screenshot(page, f"words-{size}")
    dark = new_page(viewport=PHONE, dark=True)
    open_mini_app(dark, reader, signed(reader, 5101))
    expect(dark.locator("ul.book li.entry")).to_have_count(6)
    assert_fits(dark)
    screenshot(dark, "words-390x844-dark")

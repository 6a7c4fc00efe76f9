"""今日, a past day, 归档 and 关于 as a browser receives them (no browser: tests/browser runs the
keys and the audio in Chromium). Expectations come from the shelf and the deck, never from text
copied out of the library: the page must show what the chat shows for the same day."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from sqlmodel import Session

from bot.core.lesson_view import NO_TRANSLATION
from bot.core.shelf import DayLesson, lesson_key
from bot.core.turn import Services
from bot.storage.learners import update_learner
from bot.storage.tables import Learner
from bot.web.reader.audio import card_audio_url, lesson_audio_url
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import Card, DeckBuilder
from lessons.lesson import KIND_LABELS
from lessons.pins import save_pins
from tests.chat_support import MORNING
from tests.web.reader.lesson_support import (
    Client,
    make_post,
    one,
    page,
    reader_client,
    shelf_services,
    text_of,
    tiny_catalog,
)
from tests.web.reader.reader_support import TEST_BOT_USERNAME, session_visitor

pytestmark = pytest.mark.database_incidental

SHANGHAI_TODAY = dt.date(2026, 11, 22)  # MORNING in the default timezone: day 22
LOS_ANGELES_TODAY = dt.date(2026, 11, 21)  # the same moment in California: still day 21
PAGE_BUDGET = 100_000  # bytes of HTML, CSS and JS for 今日, audio aside


def scheduled(services: Services, date: dt.date) -> DayLesson:
    day = services.shelf.day(date)
    assert day is not None
    return day


def date_label(date: dt.date) -> str:
    return f"{date.year} 年 {date.month} 月 {date.day} 日"


def form_key(text: str) -> str:
    """An expression's spelling-blind form: case, apostrophes and hyphen-or-space do not count."""
    return re.sub(r"[\s\-\u2010\u2011]+", " ", re.sub("['\u2019\u2018\u02bc]", "", text.casefold())).strip()


def assert_reader_page(soup: BeautifulSoup, services: Services, day: DayLesson) -> None:
    """The page holds this day's lesson as the DOM contract says: header, then every card."""
    deck = services.shelf.deck(day.lesson)
    header = day.lesson.header
    article = one(soup, "article.lesson")
    assert article["data-lesson"] == lesson_key(day.lesson.id)
    top = one(article, "header.post-header")
    shown = " ".join(top.get_text().split())
    for part in (KIND_LABELS[header.kind], header.byline, header.date_label, header.reading_label):
        assert part in shown
    assert f"第 {day.number} 课 · {date_label(day.date)}" in shown
    if header.engagement_label:
        assert header.engagement_label.split() == one(top, ".engagement").get_text().split()
    assert one(top, "a.source")["href"] == header.source
    assert one(soup, "#play-all")["data-audio"] == lesson_audio_url(day.lesson.id)
    assert one(soup, "audio#player")["preload"] == "none"
    assert one(soup, "#toggle-zh").get_text() == "显示译文"
    sections = article.select("section.card")
    assert [section["id"] for section in sections] == [f"card-{card.number}" for card in deck.cards]
    for section, card in zip(sections, deck.cards, strict=True):
        assert_card(section, card, day.lesson.id)
    assert [section["id"] for section in article.select("section.card.current")] == ["card-1"]
    assert [section["id"] for section in article.select('[aria-current="true"]')] == ["card-1"]


def shown_as_code(text: str) -> str:
    """A translation as the page shows it: its `backticked` runs as code, without the backticks."""
    return text.replace("`", "") if text.count("`") % 2 == 0 else text


def assert_card(section: Tag, card: Card, lesson_id: str) -> None:
    assert section["data-number"] == str(card.number)
    assert section["data-audio"] == card_audio_url(lesson_id, card.number)
    english = one(section, "p.en")
    assert english["lang"] == "en"
    assert text_of(english).removeprefix(one(english, ".stamp").get_text() if card.start else "") == card.en
    chinese = one(section, "p.zh")
    assert chinese.get_text() == (shown_as_code(card.zh) if card.zh else NO_TRANSLATION)
    zh = card.zh or ""
    codes = zh.split("`")[1::2] if zh.count("`") % 2 == 0 else []
    assert [code.get_text() for code in chinese.select("code")] == codes
    buttons = section.select("button.word")
    assert sorted(button["data-lemma"] for button in buttons) == sorted(word.lemma for word in card.words)
    for word in card.words:
        [button] = [
            b for b in buttons if b["data-lemma"] == word.lemma and b.get_text().lower() == word.word.lower()
        ]
        gloss = one(section, f"#{button['aria-controls']}")
        assert gloss.has_attr("hidden") and "gloss" in gloss["class"]
        assert word.gloss in gloss.get_text() and (word.phonetic or "") in gloss.get_text()
    marks = [form_key(mark.get_text()) for mark in section.select("mark.expression")]
    assert len(marks) == len(card.expressions)
    notes = [" ".join(note.get_text().split()) for note in section.select(".notes li")]
    for expression, note in zip(card.expressions, notes, strict=True):
        assert any(form_key(form) in marks for form in expression.forms)
        assert note == f"{expression.phrase}：{expression.zh}"


# 今日


async def test_today_shows_the_header_and_every_card_of_todays_lesson(
    client: Client, services: Services
) -> None:
    status, soup = await page(client, "/")

    assert status == 200
    assert_reader_page(soup, services, scheduled(services, SHANGHAI_TODAY))
    assert one(soup, "nav a[aria-current=page]").get_text() == "今日"
    assert one(soup, "#today")["data-date"] == SHANGHAI_TODAY.isoformat()
    keys = one(soup, ".keys").get_text()
    assert "空格" in keys and "上一句/下一句" in keys and "T" in keys
    assert soup.html is not None and soup.html["lang"] == "zh-CN"
    assert one(soup, "a.skip")["href"] == "#main"


async def test_a_day_with_expressions_marks_them_and_glosses_its_words(
    client: Client, services: Services
) -> None:
    days = services.shelf.archive(SHANGHAI_TODAY)
    day = next(d for d in days if any(card.expressions for card in services.shelf.deck(d.lesson).cards))
    deck = services.shelf.deck(day.lesson)

    status, soup = await page(client, f"/day/{day.number}")

    assert status == 200
    assert_reader_page(soup, services, day)
    assert soup.select("mark.expression") and soup.select("button.word")
    assert len(soup.select("button.word")) == sum(len(card.words) for card in deck.cards)
    assert one(soup, "nav a[aria-current=page]").get_text() == "归档"
    assert not soup.select("#today")


async def test_the_tz_cookie_decides_today_when_nobody_is_signed_in(
    client: Client, services: Services
) -> None:
    status, soup = await page(client, "/", Cookie="tz=America/Los_Angeles")

    assert status == 200
    assert_reader_page(soup, services, scheduled(services, LOS_ANGELES_TODAY))
    marker = one(soup, "#today")
    assert (marker["data-date"], marker["data-zone-from"]) == (LOS_ANGELES_TODAY.isoformat(), "cookie")


async def test_a_tz_cookie_that_is_no_timezone_is_ignored(client: Client, services: Services) -> None:
    today = scheduled(services, SHANGHAI_TODAY)
    for cookie in ("Mars/Olympus_Mons", "../../etc/passwd", "America/" + "x" * 80, "Asia%2FTokyo"):
        status, soup = await page(client, "/", Cookie=f"tz={cookie}")

        assert status == 200
        assert one(soup, "article.lesson")["data-lesson"] == lesson_key(today.lesson.id)
        assert one(soup, "#today")["data-zone-from"] == "default"


async def test_a_signed_in_learners_own_timezone_comes_before_the_cookie(
    client: Client, services: Services, sessions: Callable[[], Session]
) -> None:
    visitor = session_visitor(sessions, telegram_id=501, now=MORNING)
    with sessions() as session:
        learner = session.get(Learner, visitor.learner_id)
        assert learner is not None
        update_learner(session, learner, now=MORNING, timezone="America/Los_Angeles")
    cookie = f"{visitor.headers['Cookie']}; tz=Asia/Shanghai"

    status, soup = await page(client, "/", Cookie=cookie)

    assert status == 200
    assert_reader_page(soup, services, scheduled(services, LOS_ANGELES_TODAY))
    assert one(soup, "#today")["data-zone-from"] == "learner"


async def test_a_signed_in_learner_without_a_timezone_follows_the_cookie(
    client: Client, services: Services, sessions: Callable[[], Session]
) -> None:
    visitor = session_visitor(sessions, telegram_id=502, now=MORNING)
    cookie = f"{visitor.headers['Cookie']}; tz=America/Los_Angeles"

    _, anonymous = await page(client, "/")  # kept for readers not signed in: must not be served here
    status, soup = await page(client, "/", Cookie=cookie)

    assert status == 200
    assert one(anonymous, "#today")["data-date"] == SHANGHAI_TODAY.isoformat()
    assert_reader_page(soup, services, scheduled(services, LOS_ANGELES_TODAY))
    assert one(soup, "#today")["data-zone-from"] == "cookie"


async def test_before_the_calendar_starts_today_is_a_friendly_page(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session]
) -> None:
    early = dt.datetime(2026, 10, 20, 1, 0, tzinfo=dt.UTC)
    services = shelf_services(catalog, builder, sessions, None, early)
    async with reader_client(services) as client:
        status, soup = await page(client, "/")
        archive_status, archive = await page(client, "/archive")
        day_status, _ = await page(client, "/day/1")

    assert status == 200
    assert one(soup, "h1").get_text() == "今天还没有课程"
    assert date_label(catalog.config.start) in one(soup, "section.empty").get_text()
    assert not soup.select("article.lesson")
    assert archive_status == 200 and not archive.select("ol.archive li")
    assert "还没有往期课程" in one(archive, "p.empty").get_text()
    assert day_status == 404


async def test_a_library_with_nothing_to_schedule_says_so(
    tmp_path: Path, builder: DeckBuilder, sessions: Callable[[], Session]
) -> None:
    empty = tiny_catalog(tmp_path, [], start=dt.date(2026, 11, 1))
    async with reader_client(shelf_services(empty, builder, sessions, None, MORNING)) as client:
        status, soup = await page(client, "/")

    assert status == 200
    assert "今天没有安排课程" in one(soup, "section.empty").get_text()


# A past day


async def test_a_past_day_shows_that_days_lesson(client: Client, services: Services) -> None:
    day = services.shelf.day_number(5, SHANGHAI_TODAY)
    assert day is not None

    status, soup = await page(client, "/day/5")

    assert status == 200
    assert_reader_page(soup, services, day)
    assert one(soup, "title").get_text().startswith("第 5 课")


async def test_a_future_or_unknown_day_is_a_404_page(client: Client) -> None:
    for path in ("/day/23", "/day/0", "/day/abc", "/day/1000000", "/day/-1"):
        status, soup = await page(client, path)

        assert status == 404, path
        assert one(soup, "section.error")["data-status"] == "404"
        assert not soup.select("article.lesson")
    status, _ = await page(client, "/day/22", Cookie="tz=America/Los_Angeles")  # not yet there
    assert status == 404


# 归档


async def test_the_archive_pages_past_days_newest_first(client: Client, services: Services) -> None:
    days = services.shelf.archive(SHANGHAI_TODAY)
    assert len(days) == 22

    first_status, first = await page(client, "/archive")
    second_status, second = await page(client, "/archive?page=2")

    assert (first_status, second_status) == (200, 200)
    assert archive_links(first) == [f"/day/{day.number}" for day in days[:20]]
    assert archive_links(second) == [f"/day/{day.number}" for day in days[20:]]
    assert one(first, "a[rel=next]")["href"] == "/archive?page=2" and not first.select("a[rel=prev]")
    assert one(second, "a[rel=prev]")["href"] == "/archive?page=1" and not second.select("a[rel=next]")
    newest = first.select("ol.archive li")[0].get_text()
    assert f"第 {days[0].number} 课" in newest and days[0].lesson.header.author in newest
    assert date_label(days[0].date) in newest
    assert one(first, "nav a[aria-current=page]").get_text() == "归档"


async def test_an_archive_page_out_of_range_is_a_friendly_404(client: Client) -> None:
    for query in ("page=3", "page=0", "page=abc", "page=-1", "page="):
        status, soup = await page(client, f"/archive?{query}")

        assert status == 404, query
        assert "共 2 页" in one(soup, "section.error").get_text()
        assert not soup.select("ol.archive")


async def test_the_archive_follows_the_readers_timezone(client: Client, services: Services) -> None:
    status, soup = await page(client, "/archive", Cookie="tz=America/Los_Angeles")

    assert status == 200
    assert archive_links(soup)[0] == f"/day/{scheduled(services, LOS_ANGELES_TODAY).number}"


def archive_links(soup: BeautifulSoup) -> list[str]:
    return [str(link["href"]) for link in soup.select("ol.archive > li > a")]


# 关于


async def test_about_credits_the_librarys_authors_and_links_the_bot(client: Client, catalog: Catalog) -> None:
    status, soup = await page(client, "/about")

    authors = {lesson.post.author for lesson in catalog.lessons.values()}
    assert status == 200
    assert {li.get_text() for li in soup.select("ul.authors li")} == authors
    assert one(soup, f'a[href="https://t.me/{TEST_BOT_USERNAME}"]')
    text = soup.get_text()
    assert "ECDICT" in text and "MIT" in text and "gTTS" in text and "eSpeak NG" in text
    assert "/buildspeak setup" in text and "/start" in text
    assert one(soup, "nav a[aria-current=page]").get_text() == "关于"


async def test_about_without_a_bot_username_names_no_link(
    services: Services,
) -> None:
    async with reader_client(services, bot_username=None) as client:
        status, soup = await page(client, "/about")

    assert status == 200
    assert not soup.select('a[href^="https://t.me/"]')
    assert "/start" in soup.get_text()


# What every page must be


async def test_text_from_a_post_is_escaped_never_markup(
    tmp_path: Path, builder: DeckBuilder, sessions: Callable[[], Session]
) -> None:
    post = make_post(
        "x-1001",
        [
            (
                'Never paste <script>alert(1)</script> into a "prompt".',
                "别用 <img src=x onerror=alert(1)> 这种写法。",
            ),
            ("The second paragraph has no translation yet.", None),
        ],
        author="Mallory <b>Evil</b>",
    )
    catalog = tiny_catalog(tmp_path, [post], start=dt.date(2026, 11, 22))
    async with reader_client(shelf_services(catalog, builder, sessions, None, MORNING)) as client:
        response = await client.get("/")
        html = await response.text()
        about = await (await client.get("/about")).text()

    soup = BeautifulSoup(html, "html.parser")
    assert response.status == 200
    assert [script["src"].split("?")[0] for script in soup.select("script")] == [
        "/static/reader.js",
        "/static/miniapp.js",
    ]
    assert not soup.select("img") and not soup.select("script:not([src])")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;Evil&lt;/b&gt;" in html
    assert text_of(one(soup, "#card-1 p.en")) == post.paragraphs[0].en
    assert one(soup, "#card-1 p.zh").get_text() == post.paragraphs[0].zh
    assert "&lt;b&gt;Evil&lt;/b&gt;" in about and "<b>Evil</b>" not in about
    untranslated = one(soup, "#card-2 p.zh")
    assert untranslated.get_text() == NO_TRANSLATION and "none" in untranslated["class"]


async def test_todays_page_with_its_css_and_js_weighs_under_100_kb(
    client: Client, services: Services
) -> None:
    """Every day so far, not only today: a long lesson is the one that would break the budget."""
    for day in services.shelf.archive(SHANGHAI_TODAY):
        response = await client.get(f"/day/{day.number}")
        html = await response.read()
        soup = BeautifulSoup(html, "html.parser")
        assets = [link["href"] for link in soup.select("link[href]")] + [
            s["src"] for s in soup.select("script")
        ]
        weight = len(html)
        for asset in assets:
            assert str(asset).startswith("/static/"), f"only our own assets: {asset}"
            fetched = await client.get(str(asset))
            assert fetched.status == 200
            weight += len(await fetched.read())
        assert weight < PAGE_BUDGET, (day.number, weight)


async def test_a_library_reload_shows_the_new_lesson_at_once(
    client: Client, services: Services, tmp_path: Path
) -> None:
    """Pages kept for readers not signed in are keyed by the library generation."""
    shelf = services.shelf
    before = scheduled(services, SHANGHAI_TODAY).lesson
    other = next(lesson for lesson in shelf.catalog.lessons.values() if lesson.id != before.id)
    _, old = await page(client, "/")
    save_pins(tmp_path / "pins.toml", {SHANGHAI_TODAY: other.id})
    config = CatalogConfig(
        library_dir=shelf.catalog.config.library_dir,
        pins_file=tmp_path / "pins.toml",
        start=shelf.catalog.config.start,
    )
    shelf.restock(Catalog(config, shelf.catalog.library, shelf.builder.dictionary), shelf.generation + 1)

    _, new = await page(client, "/")

    assert one(old, "article.lesson")["data-lesson"] == lesson_key(before.id)
    assert one(new, "article.lesson")["data-lesson"] == lesson_key(other.id)


async def test_pages_answer_head_requests(client: Client) -> None:
    for path in ("/", "/archive", "/about", "/day/1"):
        response = await client.head(path)
        assert response.status == 200, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"

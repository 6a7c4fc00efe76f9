"""`buildspeak sources …`: fetch into the queue, list the sources' state, review in the terminal
(the prompt driven through its input), approve and skip by id."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import build_app, sources_review
from bot.storage.tables import LibraryReload
from lessons.catalog import Catalog, CatalogConfig
from lessons.following.days_left import joining_day
from lessons.following.queue import ReviewQueue
from lessons.library import Library
from lessons.post import Paragraph, Post
from tests.fakes.feed_server import Feed, FeedServer, Status, builder_prose, items_for, rss_feed

RUNNER = CliRunner()
SITE = "https://notes.example"
FIRST, SECOND, THIRD = (f"blog-notes-example-posts-note-{n}" for n in (1, 2, 3))


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture(autouse=True)
def environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, feeds: FeedServer
) -> Path:
    """A library whose calendar began ten days ago, a sources file of two local feeds, a database."""
    for name in list(os.environ):
        if name.startswith(("BUILDSPEAK_", "TELEGRAM_", "DISCORD_", "LLM_", "ADMIN_")):
            monkeypatch.delenv(name)
    start = today() - dt.timedelta(days=10)
    library = Library.load(tmp_path / "library")
    for number in range(14):
        library.save(library_post(number, start))
    feeds.routes["/rss.xml"] = Feed(rss_feed("Notes", SITE, items_for(SITE, [1, 2, 3]), author="Ada"))
    feeds.routes["/gone.xml"] = Status(500)
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "notes"\nkind = "feed"\nurl = "{feeds.url("/rss.xml")}"\n'
        'author = "Ada Builder"\nenabled = true\n\n'
        f'[[source]]\nname = "gone"\nkind = "feed"\nurl = "{feeds.url("/gone.xml")}"\n'
        'author = "Someone"\nenabled = true\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", database_url)
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PATH", str(tmp_path / "library"))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PINS", str(tmp_path / "pins.toml"))
    monkeypatch.setenv("BUILDSPEAK_CALENDAR__START", start.isoformat())
    monkeypatch.setenv("BUILDSPEAK_LESSONS__MIN_TEACHING_VALUE", "0")
    monkeypatch.setenv("BUILDSPEAK_SOURCES__PATH", str(tmp_path / "sources.toml"))
    monkeypatch.setenv("BUILDSPEAK_SOURCES__REVIEW", str(tmp_path / "review"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def library_post(number: int, added: dt.date) -> Post:
    return Post(
        id=f"x-{number}",
        kind="post",
        author="Andrej Karpathy",
        date=dt.date(2026, 1, 1),
        source=f"https://x.com/karpathy/status/{number}",
        added=added,
        paragraphs=tuple(Paragraph(en=text, zh="译文。") for text in builder_prose(500 + number)),
    )


def run(*args: str, answer: str | None = None) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args), input=answer)
    return result.exit_code, result.output


def queued(environment: Path) -> list[str]:
    return [post.id for post in ReviewQueue.open(environment / "review").posts()]


def fetched(environment: Path) -> None:
    code, output = run("sources", "fetch")
    assert code == 1, output  # "gone" failed
    assert sorted(queued(environment)) == [FIRST, SECOND, THIRD]


def test_fetch_reports_each_source_and_list_shows_their_state_and_the_queue(environment: Path) -> None:
    code, output = run("sources", "fetch")
    assert code == 1, output
    assert "✓ notes: 3 新 new, 0 更新 updated; 0 已有 known, 0 过滤 filtered" in output
    assert "✗ gone: HTTP 500 Internal Server Error (失败 1 次 failures in a row; 下次 next try" in output
    assert "新增 3 篇待审 new posts queued" in output

    code, output = run("sources", "list")
    assert code == 0, output
    assert f"来源 sources ({environment / 'sources.toml'}): 2, 2 enabled" in output
    assert 'ETag "v1" · Last-Modified Mon, 05 Jan 2026 10:00:00 GMT · 失败 failures 0' in output
    assert f"下次 next try {today() + dt.timedelta(days=1)}" in output
    assert "失败 failures 1" in output and "✗ HTTP 500 Internal Server Error" in output
    assert "待审 waiting for review: 3" in output
    assert f"{FIRST}  2026-01-05  Ada Builder" in output and "Note 1: lessons from shipping" in output

    code, output = run("sources", "fetch", "notes")
    assert code == 0 and "✓ notes: 没有变化 unchanged (304)" in output


def test_fetch_names_an_unknown_source_kindly(environment: Path) -> None:
    code, output = run("sources", "fetch", "nobody")
    assert code == 1 and "没有这个来源 no source named nobody" in output
    assert queued(environment) == []


def test_approve_and_skip_by_id(
    environment: Path, sessions: Callable[[], Session], feeds: FeedServer
) -> None:
    fetched(environment)
    code, output = run("sources", "approve", FIRST)
    assert code == 0, output
    joins = joining_day(today(), dt.datetime.now(dt.UTC))  # not today: today's lesson may be out
    assert (
        f"✅ 已通过 approved {FIRST}: in the library from {joins}, at the end of the lesson queue" in output
    )
    assert "library generation 1" in output
    with sessions() as session:
        (reload,) = session.exec(select(LibraryReload)).all()
    assert reload.reason == "sources approved 1"
    assert Library.load(environment / "library").posts[FIRST].added == joins

    code, output = run("sources", "skip", SECOND)
    assert code == 0 and f"⏭ 已跳过 skipped {SECOND}" in output
    assert queued(environment) == [THIRD]

    code, output = run("sources", "approve", SECOND, "nope")
    assert code == 1 and "队列里没有 not in the review queue: " in output and "nope" in output
    assert queued(environment) == [THIRD] and SECOND not in Library.load(environment / "library").posts

    feeds.routes["/rss.xml"] = Feed(
        rss_feed("Notes", SITE, items_for(SITE, [1, 2, 3]), author="Ada"), etag='"v2"'
    )
    code, output = run("sources", "fetch", "notes")
    assert code == 0 and "✓ notes: 0 新 new, 0 更新 updated; 2 已有 known" in output
    assert queued(environment) == [THIRD], "approved and skipped posts are not queued again"


def test_the_interactive_review_approves_skips_previews_and_asks_again(environment: Path) -> None:
    fetched(environment)
    code, output = run("sources", "review", answer="p\na\nwhat\ns\nn\n")
    assert code == 0, output
    assert "── 1/3 · blog-notes-example-posts-note-3 ──" in output
    assert "📝 文章 · Ada Builder · 2026 年 1 月 3 日 · " in output and "标题 title: Note 3" in output
    assert (
        "教学价值 teaching value blog-notes-example-posts-note-3: " in output
        and "✓ 会排课 scheduled" in output
    )
    assert f"  1. {builder_prose(3)[0].split('. ')[0]}." in output
    assert "（未翻译 not translated yet）" in output
    assert "── 全文 full text · " in output and builder_prose(3)[2] in output
    assert "请选择 please choose: 通过 a · 跳过 s · 预览全文 p · 下一篇 n · 退出 q" in output
    assert "通过 1 · 跳过 1 · 仍在队列 1 still waiting" in output and "library generation 1" in output
    assert THIRD in Library.load(environment / "library").posts
    assert queued(environment) == [FIRST]
    assert (environment / "review" / "skipped" / "ada-builder" / f"{SECOND}.md").is_file()


def test_the_review_ends_with_its_input_and_an_empty_queue_says_so(environment: Path) -> None:
    code, output = run("sources", "review")
    assert code == 0 and "审阅队列是空的 the review queue is empty" in output
    fetched(environment)
    code, output = run("sources", "review", answer="a\n")
    assert code == 0, output
    assert "通过 1 · 跳过 0 · 仍在队列 2 still waiting" in output
    assert len(queued(environment)) == 2


def test_an_approved_post_joins_the_calendar_after_the_current_queue_and_past_days_stay(
    environment: Path,
) -> None:
    """Fourteen posts since the calendar began ten days ago: fresh lessons run to day 14. The post
    approved today takes day 15; days 1 to 14, today's and the past's included, are as they were."""
    fetched(environment)
    start = today() - dt.timedelta(days=10)
    config = CatalogConfig(environment / "library", environment / "pins.toml", start, min_teaching_value=0)
    last = start + dt.timedelta(days=30)
    before = Catalog.open(config).calendar.days(start, last)
    assert THIRD not in {day.lesson.id for day in before}, "queued, so never in the calendar"

    code, output = run("sources", "approve", THIRD)
    assert code == 0, output

    after = Catalog.open(config).calendar.days(start, last)
    assert [d.lesson.id for d in after[:14]] == [d.lesson.id for d in before[:14]]
    assert (after[14].date, after[14].lesson.id) == (start + dt.timedelta(days=14), THIRD)
    assert [d.lesson.id for d in after].count(THIRD) >= 1


def test_a_review_folder_inside_the_library_is_refused(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUILDSPEAK_SOURCES__REVIEW", str(environment / "library" / "review"))
    for command in (("sources", "fetch"), ("sources", "review"), ("sources", "approve", FIRST)):
        code, output = run(*command)
        assert code == 2 and "审阅队列不能放在课程库里" in output, command
    assert not (environment / "library" / "review").exists()


def test_the_interactive_review_acts_only_on_the_post_as_shown(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a person reads, the bot may translate the post or a chat may approve it: the terminal's
    通过 then changes nothing, and says why."""
    fetched(environment)
    first, second, third = queued(environment)  # the order the review shows them in
    real_prompt = typer.prompt
    meanwhile = iter(
        [
            lambda queue: queue.queued.update(translated(queue.post(first))),  # the bot translated it
            lambda queue: queue.skip(second),  # an admin skipped it in a chat
            lambda queue: None,
        ]
    )

    def prompt(*args: object, **kwargs: object) -> str:
        next(meanwhile)(ReviewQueue.open(environment / "review"))
        return real_prompt(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sources_review.typer, "prompt", prompt)
    code, output = run("sources", "review", answer="a\na\nq\n")
    assert code == 0, output
    assert sources_review.CHANGED_MEANWHILE in output and sources_review.DECIDED_ELSEWHERE in output
    assert first not in Library.load(environment / "library").posts
    assert queued(environment) == [first, third]


def translated(post: Post) -> Post:
    return post.model_copy(
        update={"paragraphs": [p.model_copy(update={"zh": "（译文）"}) for p in post.paragraphs]}
    )

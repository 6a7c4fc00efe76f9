"""The content commands end to end: import, read lessons, pin, archive; and their errors."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from tests.support import FIXTURES

RUNNER = CliRunner()


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PATH", str(tmp_path / "library"))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PINS", str(tmp_path / "pins.toml"))
    monkeypatch.setenv("BUILDSPEAK_CALENDAR__START", "2026-11-01")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "library"


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args))
    return result.exit_code, result.output


def import_archive() -> tuple[int, str]:
    return run("import", "x-archive", str(FIXTURES / "x_archive_excerpt.txt"), "--added", "2026-11-01")


def summary(output: str) -> dict[str, int]:
    counts = {}
    for label in ("imported", "updated", "unchanged", "too short to teach", "rejected"):
        line = next(line for line in output.splitlines() if label in line)
        counts[label] = int(line.split("│")[-2].strip())
    return counts


def test_import_reports_each_outcome_and_twice_changes_nothing(library: Path) -> None:
    code, output = import_archive()
    assert code == 0, output
    assert summary(output) == {
        "imported": 8,
        "updated": 0,
        "unchanged": 0,
        "too short to teach": 3,
        "rejected": 1,
    }
    assert "x_archive_excerpt.txt:" in output and "entry has no text" in output
    files = {path: path.read_text(encoding="utf-8") for path in library.rglob("*.md")}
    assert len(files) == 8

    code, output = import_archive()
    assert summary(output)["unchanged"] == 8
    assert summary(output)["imported"] == 0
    assert {path: path.read_text(encoding="utf-8") for path in library.rglob("*.md")} == files


def test_verbose_import_lists_the_posts_too_short_to_teach(library: Path) -> None:
    code, output = run("import", "x-archive", str(FIXTURES / "x_archive_excerpt.txt"), "-v")
    assert code == 0
    assert "x-1781084647704944866: too short to teach (1 sentence, 7 words)" in output


def test_unknown_format_and_unreadable_file_are_explained(library: Path, tmp_path: Path) -> None:
    code, output = run("import", "tiktok", "whatever.txt")
    assert code == 2
    assert "unknown format 'tiktok'" in output and "x-archive" in output

    code, output = run("import", "page", str(tmp_path / "missing.txt"))
    assert code == 1
    assert "missing.txt: cannot read" in output


def test_lesson_today_prints_header_and_paragraphs(library: Path) -> None:
    import_archive()
    code, output = run("lesson", "today", "--date", "2026-11-01")
    assert code == 0, output
    assert "2026-11-01 今日一课" in output
    assert "词 · 约" in output and "原文 ↗ https://x.com/" in output


def test_lesson_today_json_has_header_and_cards(library: Path) -> None:
    import_archive()
    code, output = run("lesson", "today", "--date", "2026-11-03", "--json")
    assert code == 0, output
    data = json.loads(output)
    assert data["date"] == "2026-11-03"
    assert set(data) >= {"id", "title", "header", "cards"}
    assert set(data["header"]) >= {"author", "handle", "date", "words", "minutes", "engagement", "source"}
    card = data["cards"][0]
    assert set(card) >= {"en", "zh", "words", "expressions", "audio"}
    assert card["en"] and card["zh"] and card["audio"] is None
    shown = run("lesson", "show", data["id"], "--json")[1]
    assert json.loads(shown)["cards"] == data["cards"]


def test_cards_carry_key_words_with_gloss_and_flagged_expressions(library: Path) -> None:
    import_archive()
    code, output = run("lesson", "show", "x-1781033433336262691", "--json")
    assert code == 0, output
    cards = json.loads(output)["cards"]
    words = {w["lemma"]: w for card in cards for w in card["words"]}
    assert "convergence" in words
    assert words["convergence"]["gloss"] and words["convergence"]["phonetic"]
    assert all(not w["lemma"][0].isupper() for w in words.values())
    text = run("lesson", "show", "x-1781033433336262691")[1]
    assert "1/" in text and "📖 " in text and "convergence" in text


def test_no_lesson_before_the_calendar_starts(library: Path) -> None:
    import_archive()
    code, output = run("lesson", "today", "--date", "2020-01-01")
    assert code == 1
    assert "没有课程" in output and "2026-11-01" in output


def test_unknown_lesson_id_is_a_friendly_error(library: Path) -> None:
    import_archive()
    code, output = run("lesson", "show", "x-404")
    assert code == 1
    assert "没有这一课" in output and "lessons list" in output


def test_pin_changes_that_day_only_and_the_archive_shows_it(library: Path) -> None:
    import_archive()
    future = dt.date.today() + dt.timedelta(days=30)
    before = json.loads(run("lesson", "today", "--date", str(future), "--json")[1])["id"]
    other = next(row["id"] for row in json.loads(run("lessons", "list", "--json")[1]) if row["id"] != before)

    code, output = run("lessons", "pin", str(future), other)
    assert code == 0, output
    pinned = json.loads(run("lesson", "today", "--date", str(future), "--json")[1])
    assert (pinned["id"], pinned["pinned"]) == (other, True)
    archive = json.loads(run("lessons", "archive", "--until", str(future), "--days", "2", "--json")[1])
    assert archive[0] == {"date": str(future), "lesson": other, "pinned": True}

    assert run("lessons", "unpin", str(future))[0] == 0
    assert json.loads(run("lesson", "today", "--date", str(future), "--json")[1])["id"] == before


def test_pinning_the_past_or_an_unknown_lesson_is_refused(library: Path) -> None:
    import_archive()
    lesson_id = json.loads(run("lessons", "list", "--json")[1])[0]["id"]
    code, output = run("lessons", "pin", "2026-11-02", lesson_id)
    assert code == 1 and "past" in output
    code, output = run("lessons", "pin", str(dt.date.today() + dt.timedelta(days=1)), "x-404")
    assert code == 1 and "没有这一课" in output


def test_archive_lists_days_newest_first(library: Path) -> None:
    import_archive()
    code, output = run("lessons", "archive", "--until", "2026-11-03")
    assert code == 0
    lines = [line for line in output.splitlines() if line.strip()]
    assert [line.split()[1] for line in lines] == ["2026-11-03", "2026-11-02", "2026-11-01"]


def test_bad_setting_stops_with_the_key_named(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDSPEAK_CALENDAR__TIMEZONE", "Moon/Base")
    code, output = run("lessons", "list")
    assert code == 2
    assert "calendar.timezone" in output and "IANA" in output


@pytest.fixture
def feed_server() -> Iterator[str]:
    """A local web server over the fixture feeds: the feed importer fetches over real HTTP."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURES / "feeds"))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_feed_imports_from_a_url(library: Path, feed_server: str) -> None:
    code, output = run("import", "feed", f"{feed_server}/rss.xml", "-v")
    assert code == 0, output
    assert summary(output)["imported"] + summary(output)["too short to teach"] >= 1
    code, output = run("import", "feed", f"{feed_server}/missing.xml")
    assert code == 1
    assert "cannot fetch" in output and "404" in output


def test_audio_option_builds_each_cards_audio_once(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.gtts_server import FakeGTTSServer

    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    import_archive()
    with FakeGTTSServer() as fake:
        monkeypatch.setenv("BUILDSPEAK_AUDIO__GTTS_BASE_URL", fake.url)
        monkeypatch.setenv("BUILDSPEAK_AUDIO__CACHE_DIR", str(tmp_path / "audio"))
        code, output = run("lesson", "show", "x-1781033433336262691", "--json", "--audio")
        assert code == 0, output
        data = json.loads(output)
        paths = [Path(card["audio"]) for card in data["cards"]] + [Path(data["audio"])]
        assert all(path.is_file() and path.suffix == ".mp3" for path in paths)
        spoken = {request.text for request in fake.requests}
        assert data["cards"][0]["en"] in spoken
        requests_before = len(fake.requests)

        code, text = run("lesson", "show", "x-1781033433336262691", "--audio")
        assert code == 0
        assert len(fake.requests) == requests_before
        assert paths[0].name in text.replace("\n", "")

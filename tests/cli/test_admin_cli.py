"""`buildspeak admin …`: the chat's admin operations from a shell, on the bot's own database."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import build_app
from bot.storage import broadcasts
from bot.storage.tables import Broadcast, LibraryReload
from tests.adapters.telegram_harness import write_post
from tests.delivery.push_support import add_subscribers

RUNNER = CliRunner()
TEXT = "One sentence here. Another one follows it. And a third one ends the post for good."
FUTURE = "2099-01-01"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    """A library of two posts, its pins in this test's folder, and this test's database."""
    for name in list(os.environ):
        if name.startswith(("BUILDSPEAK_", "TELEGRAM_", "DISCORD_", "LLM_", "ADMIN_")):
            monkeypatch.delenv(name)
    library = tmp_path / "library"
    library.mkdir()
    write_post(library, "x-1", [(TEXT, "一句。两句。三句。")])
    write_post(library, "x-2", [(TEXT.replace("third", "last"), "一句。两句。三句。")], date="2025-01-04")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", database_url)
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PATH", str(library))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PINS", str(tmp_path / "pins.toml"))
    monkeypatch.setenv("BUILDSPEAK_CALENDAR__START", "2026-11-01")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def run(*args: str, answer: str | None = None) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args), input=answer)
    return result.exit_code, result.output


def rows(sessions: Callable[[], Session], table: type) -> list:
    with sessions() as session:
        return list(session.exec(select(table)).all())


def test_admin_lists_its_commands() -> None:
    code, output = run("admin", "--help")
    assert code == 0
    for name in ("stats", "pin", "preview", "broadcast", "reload"):
        assert name in output


def test_stats_shows_what_the_chat_shows(sessions: Callable[[], Session]) -> None:
    add_subscribers(sessions, [1, 2, -3], platform="telegram")
    add_subscribers(sessions, [4], platform="discord", status="paused")
    code, output = run("admin", "stats")
    assert code == 0, output
    assert "📊 BuildSpeak 数据 Stats" in output
    assert "telegram：订阅中 3（私聊 2，群组 1）" in output and "discord：已暂停 1（私聊 1）" in output
    assert "telegram · 每日一课" in output and "7 日留存" in output and "收藏最多的词" in output


def test_pin_writes_the_pin_and_tells_the_running_workers(
    environment: Path, sessions: Callable[[], Session]
) -> None:
    code, output = run("admin", "pin", FUTURE, "x-2")
    assert code == 0, output
    assert f"📌 {FUTURE} → x-2" in output and "library generation 1" in output
    assert f'{FUTURE} = "x-2"' in (environment / "pins.toml").read_text(encoding="utf-8")
    (reload,) = rows(sessions, LibraryReload)
    assert (reload.requested_by, reload.reason) == ("cli", f"pin {FUTURE} x-2")
    code, output = run("admin", "pin", FUTURE, "x-nope")
    assert code == 1 and "no lesson with id 'x-nope'" in output
    code, output = run("admin", "pin", "2020-01-01", "x-2")
    assert code == 1 and "in the past" in output
    assert len(rows(sessions, LibraryReload)) == 1


def test_preview_prints_the_days_lesson_as_pushed() -> None:
    code, output = run("admin", "preview", "2026-11-22")
    assert code == 0, output
    assert "第 22 课" in output and "1/3" in output and "[下一句 ▶]" in output
    code, group = run("admin", "preview", "2026-11-22", "--group")
    assert code == 0, group
    assert "第 22 课" in group and "[下一句 ▶]" not in group
    code, output = run("admin", "preview", "2026-10-01")
    assert code == 1 and "2026-10-01 没有课" in output
    code, today = run("admin", "preview")
    assert code == 0 and "第 " in today


def test_broadcast_asks_first_and_is_confirmed_once(sessions: Callable[[], Session]) -> None:
    add_subscribers(sessions, [1, 2], platform="telegram")
    code, output = run("admin", "broadcast", "停机维护\nmaintenance", answer="n\n")
    assert code == 1 and "📢 BuildSpeak 通知" in output and "→ 2 个订阅" in output and "已取消" in output
    assert rows(sessions, Broadcast) == []
    code, output = run("admin", "broadcast", "停机维护\nmaintenance", answer="y\n")
    assert code == 0 and "✅ 广播 #1 已确认" in output, output
    code, output = run("admin", "broadcast", "第二条", "--yes")
    assert code == 0 and "✅ 广播 #2 已确认" in output
    first, second = rows(sessions, Broadcast)
    assert (first.text, first.author, first.confirmed_by) == ("停机维护\nmaintenance", "cli", "cli")
    assert first.confirmed_at is not None and second.confirmed_at is not None
    with sessions() as session:
        now = dt.datetime.now(dt.UTC)
        assert broadcasts.next_to_send(session, platform="telegram", now=now).id == first.id  # type: ignore[union-attr]
    for bad in ("", "  ", "长" * 3501):
        code, output = run("admin", "broadcast", bad, "--yes")
        assert code == 2, bad
    assert len(rows(sessions, Broadcast)) == 2


def test_reload_tells_the_running_workers(sessions: Callable[[], Session]) -> None:
    code, output = run("admin", "reload")
    assert code == 0 and "library generation 1" in output
    code, output = run("admin", "reload")
    assert code == 0 and "library generation 2" in output
    assert [row.reason for row in rows(sessions, LibraryReload)] == ["reload", "reload"]

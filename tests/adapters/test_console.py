"""The console chat, driven end to end through `buildspeak run` with scripted input."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import Session
from typer.testing import CliRunner

from bot.adapters.console import ConsoleChat
from bot.cli import build_app
from bot.core.conversation import Conversation
from bot.core.messages import Button, Reply, RichText, keyboard
from bot.core.turn import Services
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.chat_support import PROJECT


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """A fresh working directory: no token, the bundled library, the test database, audio in tmp."""
    for name in ("TELEGRAM_BOT_TOKEN", "BUILDSPEAK_TELEGRAM__TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", database_url)
    monkeypatch.setenv("BUILDSPEAK_AUDIO__CACHE_DIR", str(tmp_path / "audio"))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PATH", str(PROJECT / "lessons" / "library"))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PINS", str(tmp_path / "pins.toml"))
    # The console serves the reader beside it: on a free port here (then its /web has no address
    # to link to, and cards no 🌐 button; tests/cli/test_console_reader.py covers those).
    monkeypatch.setenv("BUILDSPEAK_WEB__PORT", "0")
    return tmp_path


def run(script: list[str]) -> str:
    result = CliRunner().invoke(build_app(), ["run"], input="\n".join(script) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_console_says_how_to_connect_and_walks_through_a_lesson(workdir: Path) -> None:
    output = run(["/start", "/today", "3", "2", "4", "/quit"])
    assert "TELEGRAM_BOT_TOKEN" in output and "DISCORD_BOT_TOKEN" in output
    assert "欢迎来到 BuildSpeak" in output
    assert "[1] ◀ 上一句" in output and "[3] 下一句 ▶" in output and "[4] 全文" in output
    assert "【2/" in output, "3 pressed 下一句 ▶"
    spoken = [line.split(": ", 1)[1].strip() for line in output.splitlines() if "🔊 音频 audio:" in line]
    assert len(spoken) == 2, "2 pressed 🔊, then 4 sent the whole text with its audio"
    assert all(Path(path).is_file() for path in spoken)
    assert output.rstrip().endswith("再见 👋 See you tomorrow.")


def test_console_keeps_what_was_set_across_runs(workdir: Path) -> None:
    run(["/start", "/time 06:30", "/tz 纽约"])
    output = run(["/help"])
    assert "每日推送：06:30" in output and "America/New_York" in output


def test_a_number_without_buttons_is_text_and_a_wrong_number_is_explained(workdir: Path) -> None:
    output = run(["5", "/today", "9"])
    assert "想问英文？直接发单词或短语" in output, "a number is no question: the hint"
    assert "没有第 9 个按钮（现有 1–5）" in output


def test_default_database_file_is_created_on_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("BUILDSPEAK_DATABASE__URL", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUILDSPEAK_AUDIO__CACHE_DIR", str(tmp_path / "audio"))
    monkeypatch.setenv("BUILDSPEAK_WEB__PORT", "0")
    run(["/start"])
    assert (tmp_path / "data" / "buildspeak.db").is_file()


def test_a_line_starting_with_a_mark_replies_to_the_latest_card(workdir: Path) -> None:
    output = run(["/today", "> /save", ">", "/quit"])
    assert "[5] ⭐ 收藏" in output
    assert "收藏第 1 句的哪个词" in output or "这一句没有标出的重点词" in output, "the reply found its card"
    assert "用法：/save 单词" not in output
    assert "在 > 后面写上要回复的话" in output


def test_an_export_is_written_to_the_downloads_folder(workdir: Path) -> None:
    output = run(["/save engulfed moat", "/export", "/quit"])
    assert "⭐ 已收藏 engulf" in output
    written = [line.split(": ", 1)[1].strip() for line in output.splitlines() if "📎 文件 file:" in line]
    assert [Path(path).suffix for path in written] == [".csv", ".apkg"]
    for path in written:
        assert (workdir / path).is_file() and Path(path).parent == Path("data/downloads")
    assert (workdir / written[0]).read_text(encoding="utf-8-sig").startswith("单词 word")


def test_a_reply_to_a_cards_audio_and_then_to_the_answer_stays_on_that_card(workdir: Path) -> None:
    output = run(["/today", "2", "> 这句话的语法", "> 那 good 呢？", "/quit"])
    assert "🔊 音频 audio:" in output, "2 pressed 🔊"
    flat = " ".join(output.split())  # the console wraps long lines wherever they fall
    first_card = re.search(r"【1/\d+】 (.+?) 译文：", flat)
    assert first_card is not None, "today's lesson opened on its first card, whatever the day's post"
    quoted = f"原句：{first_card.group(1)} 译文："
    assert flat.count(quoted) == 2, "the reply to the audio, then the reply to that answer"
    assert "🔊 听原句" in output
    assert "想问英文？" not in output


def test_a_quiz_on_the_console_is_answered_by_letter_and_typed_word(workdir: Path) -> None:
    """/quiz on one saved word: its meaning poll takes a letter; missed, it comes back as a recall
    that takes the typed word; the quiz ends with its summary, and /stats writes its picture."""
    output = run(["/save moat", "/quiz", "A", "moat", "/stats", "/quit"])
    assert "📝 1/1 「moat」是什么意思？" in output and "输入字母作答" in output
    assert re.search(r"(✅ 对！ |❌ 正确答案：)moat", output), "the letter answered the poll"
    assert "🏁 测验完成 Quiz done" in output
    picture = next(line for line in output.splitlines() if "📎 文件 file:" in line).split(": ", 1)[1].strip()
    assert Path(picture).read_bytes().startswith(b"\x89PNG")


def test_a_question_typed_without_a_mark_is_about_the_card_last_looked_at_even_after_a_restart(
    workdir: Path,
) -> None:
    first = " ".join(run(["/today", "3", "这句话什么意思？", "你好", "/quit"]).split())
    second_card = re.search(r"【2/\d+】 (.+?) 译文：", first)
    assert second_card is not None, "3 pressed 下一句 ▶"
    assert f"原句：{second_card.group(1)} 译文：" in first
    assert "你好 👋 想问英文？直接发单词或短语，例如 token、forward pass；" in first
    again = " ".join(run(["这句话的语法", "forward pass", "/quit"]).split())
    assert f"原句：{second_card.group(1)} 译文：" in again, "the next run remembers the card"
    assert "builders use it like this（forward pass）" in again, "a phrase alone is explained"


@pytest.fixture
def services(sessions: Callable[[], Session], tmp_path: Path, builder: DeckBuilder) -> Services:
    catalog = chat_support.bundled_catalog(tmp_path)
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


async def test_a_link_button_shows_where_it_goes(services: Services) -> None:
    """A terminal cannot open a link: pressing its number prints the address and asks nothing."""
    out = Console(record=True, width=120)
    chat = ConsoleChat(Conversation(services), out, lambda: None, user_id="console-user")
    chat.show(
        [Reply(RichText.of("原文"), buttons=keyboard([Button("原文 ↗", url="https://x.com/karpathy")]))]
    )
    await chat.handle_line("1")
    assert "链接 link: https://x.com/karpathy" in out.export_text()

"""The reader's button in the console: a terminal has no Mini App, so 🌐 阅读页 shows its address,
and pressing its number prints it without asking the bot anything."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from bot.adapters.console import ConsoleChat
from bot.core.conversation import Conversation
from lessons.deck import DeckBuilder
from tests import chat_support

READER = "https://read.example.com"


async def test_the_reader_button_prints_its_address(
    sessions: Callable[[], Session], tmp_path: Path, builder: DeckBuilder
) -> None:
    catalog = chat_support.bundled_catalog(tmp_path)
    services = dataclasses.replace(
        chat_support.services(catalog, builder, sessions, tmp_path / "audio"), web_url=READER
    )
    out = Console(record=True, width=160)
    chat = ConsoleChat(Conversation(services), out, lambda: None, user_id="console-user")
    await chat.handle_line("/words")
    shown = out.export_text()
    assert f"🌐 阅读页 ↗ {READER}/words" in shown, "the browser's address, not the Mini App's entry"
    number = next(i for i, button in enumerate(chat.choices, 1) if button.label == "🌐 阅读页")
    await chat.handle_line(str(number))
    assert out.export_text().rstrip().endswith(f"链接 link: {READER}/words")

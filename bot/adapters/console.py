"""The console adapter: the same conversation as Telegram, in a terminal.

`make run` without a platform token lands here. Buttons become numbered
choices (type the number to press one), spoilers are printed dimmed, audio is
a file path. It is also the cheapest way to try a feature by hand.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable
from dataclasses import replace

from rich.console import Console
from rich.text import Text

from bot.core.conversation import Conversation
from bot.core.messages import Button, Incoming, Reply, RichText

PLATFORM = "console"
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit", "q"})
SPOILER_STYLE = "grey50 on grey15"

BANNER = (
    "BuildSpeak 控制台聊天 · console chat — 发送 /today 开始今天的课，/help 查看命令，/quit 退出。\n"
    "按钮显示为 [1] [2] …，输入数字即可点击。\n"
    "连接 Telegram：在 .env 或环境变量里设置 TELEGRAM_BOT_TOKEN（从 @BotFather 获取），再 make run。\n"
    "Discord 适配即将上线（DISCORD_BOT_TOKEN）。"
)


def render(text: RichText) -> Text:
    """Rich-text lines for the terminal: bold stays bold, spoilers are dimmed, links show their URL."""
    out = Text()
    for number, line in enumerate(text.lines):
        if number:
            out.append("\n")
        for span in line:
            style = " ".join(
                name for name, on in (("bold", span.bold), ("italic", span.italic), ("cyan", span.code)) if on
            )
            out.append(span.text, style=SPOILER_STYLE if span.spoiler else style)
            if span.url:
                out.append(f" {span.url}", style="underline blue")
    return out


class ConsoleChat:
    """One person at a terminal. `read_line` returns None at the end of input."""

    def __init__(
        self,
        conversation: Conversation,
        console: Console,
        read_line: Callable[[], str | None],
        *,
        user_id: str | None = None,
    ) -> None:
        self.conversation = conversation
        self.console = console
        self.read_line = read_line
        self.user_id = user_id or _login_name()
        self.choices: list[Button] = []

    async def run(self) -> None:
        self.console.print(BANNER, highlight=False)
        while True:
            line = await asyncio.to_thread(self.read_line)
            if line is None or line.strip().lower() in QUIT_WORDS:
                self.console.print("再见 👋 See you tomorrow.")
                return
            if line.strip():
                await self.handle_line(line.strip())

    async def handle_line(self, line: str) -> None:
        incoming = self._incoming(line)
        if incoming is None:
            self.console.print(f"没有第 {line} 个按钮（现有 1–{len(self.choices)}）。", style="yellow")
            return
        self.show(await self.conversation.handle(incoming))

    def _incoming(self, line: str) -> Incoming | None:
        base = Incoming(platform=PLATFORM, chat_id=self.user_id, user_id=self.user_id, user_name=self.user_id)
        if not line.isdigit() or not self.choices:
            return replace(base, text=line)
        index = int(line) - 1
        if not 0 <= index < len(self.choices):
            return None
        button = self.choices[index]
        if button.action is None:
            return replace(base, text=f"/start {button.start_payload}")
        return replace(base, action=button.action)

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self._show_one(reply, alone=len(replies) == 1)

    def _show_one(self, reply: Reply, *, alone: bool) -> None:
        if reply.text is not None:
            self.console.rule(style="grey37")
            self.console.print(render(reply.text), highlight=False)
        if reply.audio is not None:
            self.console.print(Text(f"🔊 音频 audio: {reply.audio.path}", style="cyan"), soft_wrap=True)
        if reply.notice and (alone or reply.text is None) and reply.audio is None:
            self.console.print(Text(reply.notice, style="yellow"))
        if reply.buttons:
            self._offer(reply.buttons)

    def _offer(self, rows: tuple[tuple[Button, ...], ...]) -> None:
        self.choices = [button for row in rows for button in row]
        shown = Text()
        for number, button in enumerate(self.choices, 1):
            label = f"{button.label} ↗ {button.url}" if button.url else button.label
            shown.append(f"[{number}] ", style="bold magenta").append(f"{label}  ")
        self.console.print(shown)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"

"""The console adapter: the same conversation as Telegram, in a terminal.

`make run` without a platform token lands here. Buttons become numbered
choices (type the number to press one), spoilers are printed dimmed, audio is
a file path, and a file the bot sends (an export) is written to a downloads
folder. A line starting with ">" replies to the latest card (the latest message
that came with buttons or audio), as a reply does on Telegram. It is also the
cheapest way to try a feature by hand.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.text import Text

from bot.core.conversation import Conversation
from bot.core.messages import Button, Document, Incoming, Poll, PollAnswer, Quoted, Reply, RichText

PLATFORM = "console"
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit", "q"})
SPOILER_STYLE = "grey50 on grey15"
DOWNLOADS = Path("data/downloads")
REPLY_MARK = ">"

BANNER = (
    "BuildSpeak 控制台聊天 · console chat — 发送 /today 开始今天的课，/help 查看命令，/quit 退出。\n"
    "按钮显示为 [1] [2] …，输入数字即可点击。以 > 开头回复最近一张卡片，例如 > /save engulfed。\n"
    "连接 Telegram：在 .env 或环境变量里设置 TELEGRAM_BOT_TOKEN（从 @BotFather 获取），再 make run。\n"
    "连接 Discord：设置 DISCORD_BOT_TOKEN（Discord 开发者后台 → Bot），把机器人邀请进服务器，再 make run；\n"
    "两个令牌都设置时，Telegram 和 Discord 在同一个进程里运行。"
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
        downloads: Path = DOWNLOADS,
    ) -> None:
        self.conversation = conversation
        self.console = console
        self.read_line = read_line
        self.user_id = user_id or _login_name()
        self.downloads = downloads
        self.choices: list[Button] = []
        self.latest_card: Quoted | None = None  # what a ">" line replies to
        self.poll: Poll | None = None  # the quiz question a letter answers

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
        if line.startswith(REPLY_MARK) and not line[len(REPLY_MARK) :].strip():
            self.console.print("在 > 后面写上要回复的话，例如 > /save engulfed", style="yellow")
            return
        link = self._link(line)
        if link is not None:  # a terminal cannot follow it: show where it goes
            self.console.print(f"链接 link: {link}", highlight=False)
            return
        incoming = self._incoming(line)
        if incoming is None:
            self.console.print(f"没有第 {line} 个按钮（现有 1–{len(self.choices)}）。", style="yellow")
            return
        self.show(await self.conversation.handle(incoming))

    def _link(self, line: str) -> str | None:
        """The address of the link button numbered `line`, if it is one."""
        index = int(line) - 1 if line.isdigit() else -1
        return self.choices[index].link if 0 <= index < len(self.choices) else None

    def _incoming(self, line: str) -> Incoming | None:
        base = Incoming(platform=PLATFORM, chat_id=self.user_id, user_id=self.user_id, user_name=self.user_id)
        if line.startswith(REPLY_MARK):
            return replace(base, text=line[len(REPLY_MARK) :].strip(), quoted=self.latest_card)
        if (choice := _letter(line, self.poll)) is not None and self.poll is not None:
            return replace(base, poll_answer=PollAnswer(self.poll.key, (choice,)))
        if not line.isdigit() or not self.choices:
            return replace(base, text=line)
        index = int(line) - 1
        if not 0 <= index < len(self.choices):
            return None
        button = self.choices[index]
        if button.start_payload is not None:  # a private chat with the bot is what the console is
            return replace(base, text=f"/start {button.start_payload}")
        if button.action is None:
            return None
        return replace(base, action=button.action)

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self._show_one(reply, alone=len(replies) == 1)

    def _show_one(self, reply: Reply, *, alone: bool) -> None:
        if reply.buttons or reply.audio is not None:
            self.latest_card = _quoted(reply)
        if reply.text is not None:
            self.console.rule(style="grey37")
            self.console.print(render(reply.text), highlight=False)
        if reply.audio is not None:
            self.console.print(Text(f"🔊 音频 audio: {reply.audio.path}", style="cyan"), soft_wrap=True)
        if reply.document is not None:
            self._save(reply.document)
        if reply.photo is not None:
            self._save(Document(reply.photo.filename, reply.photo.data, reply.photo.caption))
        if reply.poll is not None:
            self.poll = reply.poll
            self.console.print(render_poll(reply.poll), highlight=False)
        if reply.notice and (alone or reply.text is None) and reply.audio is None and reply.document is None:
            self.console.print(Text(reply.notice, style="yellow"))
        if reply.buttons:
            self._offer(reply.buttons)

    def _save(self, document: Document) -> None:
        """Write a file the bot sent under the downloads folder (an export of today replaces the last one)."""
        self.downloads.mkdir(parents=True, exist_ok=True)
        path = self.downloads / Path(document.filename).name
        path.write_bytes(document.data)
        self.console.print(Text(f"📎 文件 file: {path}", style="cyan"), soft_wrap=True)
        if document.caption:
            self.console.print(document.caption, highlight=False)

    def _offer(self, rows: tuple[tuple[Button, ...], ...]) -> None:
        self.choices = [button for row in rows for button in row]
        shown = Text()
        for number, button in enumerate(self.choices, 1):
            label = f"{button.label} ↗ {button.link}" if button.link else button.label
            shown.append(f"[{number}] ", style="bold magenta").append(f"{label}  ")
        self.console.print(shown)


def render_poll(poll: Poll) -> Text:
    """A poll as lettered choices, answered by typing the letter (the bot says if it was right)."""
    shown = Text()
    shown.append(f"📝 {poll.question}", style="bold")
    for number, option in enumerate(poll.options):
        shown.append(f"\n  {chr(ord('A') + number)}. {option}")
    shown.append("\n  输入字母作答 type a letter", style="grey50")
    return shown


def _letter(line: str, poll: Poll | None) -> int | None:
    """ "b" or "B" → option 1 of the poll on screen; None when it is not one of its letters."""
    if poll is None or len(line) != 1 or not line.isascii() or not line.isalpha():
        return None
    index = ord(line.upper()) - ord("A")
    return index if 0 <= index < len(poll.options) else None


def _quoted(reply: Reply) -> Quoted:
    """A shown message as a reply quotes it: its text (or audio caption) and its buttons."""
    audio = reply.audio if reply.text is None else None  # with text, the text is the message shown
    text = audio.caption if audio is not None else reply.text
    buttons = tuple(button for row in reply.buttons for button in row)
    return Quoted(text=text.plain if text else "", buttons=buttons, audio=audio is not None)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"

"""Every command, declared once: name, Chinese and English descriptions, typed arguments, where it
may be used, and its handler.

The declaration feeds the text parser (`/save@Bot "napkin math"` → save, words="napkin math"),
/help, Telegram's command menu and Discord's command tree. A platform with typed options
(Discord's slash commands) hands the core an `Invocation` directly; handlers only ever read
parsed arguments (`turn.arg("words")`), never the raw text.

Admin commands (`Scope.ADMIN`) are parsed like any other but left out of everything that lists
commands: only the admins' own Telegram menus name them, and their handler answers anyone else
exactly as an unknown command is answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot.core import (
    explaining,
    private_quiz,
    progress,
    quiz,
    reading,
    subscription,
    vocabulary,
    vocabulary_export,
    web_link,
)
from bot.core.admin.admins import Admins
from bot.core.admin.handlers import admin as admin_command
from bot.core.messages import Invocation

if TYPE_CHECKING:
    from bot.core.messages import Reply
    from bot.core.turn import Turn

Handler = Callable[["Turn"], Awaitable[list["Reply"]]]


class Scope(StrEnum):
    """Where a command may be used; platforms show it accordingly (Discord: DM-only, admin-only)."""

    ANYWHERE = "anywhere"
    PRIVATE = "private"  # personal: a private chat only (a group would show one person's data)
    GROUP_ADMIN = "group-admin"  # in a group, only its admins (changes the group's subscription)
    # A member's own push where their lessons come in a shared channel (a Discord server's: the
    # DM quiz); a chat that subscribes itself does not offer it.
    MEMBER = "member"
    # The bot's own admins (`ADMIN_IDS`), in a private chat; hidden from everyone else.
    ADMIN = "admin"


class Take(StrEnum):
    """How much of the typed text an argument takes."""

    WORD = "word"  # the next word: `/lesson 12`
    REST = "rest"  # everything after the command: `/tz New York`, `/save "napkin math" moat`


@dataclass(frozen=True)
class Argument:
    name: str
    usage: str  # as /help shows it: N, WORD, HH:MM
    zh: str
    en: str
    take: Take = Take.REST
    required: bool = False  # the handler answers a missing one with its own usage line


@dataclass(frozen=True)
class Command:
    name: str
    zh: str
    en: str
    handler: Handler = field(compare=False, repr=False)
    arguments: tuple[Argument, ...] = ()
    scope: Scope = Scope.ANYWHERE
    personal: bool = False  # its answers are the asker's business (their book): for them alone

    @property
    def usage(self) -> str:
        """As /help shows it: "/lesson N"; an argument without a usage (a link's payload) is not shown."""
        return self.usage_as(f"/{self.name}")

    def usage_as(self, spelled: str) -> str:
        """The usage with the command typed as a platform types it ("/buildspeak time HH:MM")."""
        return " ".join([spelled, *(argument.usage for argument in self.arguments if argument.usage)])


class CommandRegistry:
    """The commands; `admins` are who may run the admin ones (nobody by default)."""

    def __init__(self, commands: tuple[Command, ...], *, admins: Admins | None = None) -> None:
        names = [command.name for command in commands]
        if len(set(names)) != len(names):
            raise ValueError(f"a command is declared twice: {names}")
        self._commands = {command.name: command for command in commands}
        self.admins = admins or Admins()

    def __iter__(self) -> Iterator[Command]:
        """The commands everyone is offered, in order: what /help, menus and command trees list."""
        return (command for command in self._commands.values() if command.scope is not Scope.ADMIN)

    def admin_commands(self) -> list[Command]:
        """The commands for admins alone: only their own menus list these."""
        return [command for command in self._commands.values() if command.scope is Scope.ADMIN]

    def get(self, name: str) -> Command | None:
        """A command by name, admin ones included (their handler decides who may run them)."""
        return self._commands.get(name)

    def parse(self, text: str) -> Invocation | None:
        """ "/time@BuildSpeakBot 07:30" → Invocation("time", {"time": "07:30"}); not a command → None.

        An unknown command still parses (with no arguments), so the core can say it is unknown. Any
        whitespace ends the command: a new line, a tab, the full-width space of a Chinese keyboard.
        """
        head, rest = _first_word(text)
        if not head.startswith("/") or len(head) < 2:
            return None
        name = head[1:].split("@", 1)[0].lower()
        command = self._commands.get(name)
        return Invocation(name, MappingProxyType(_bind(command.arguments, rest) if command else {}))

    def help_lines(self, spell: Callable[[Command], str | None] | None = None) -> list[str]:
        """One line per command offered here, as this platform types it (`spell`; all, as "/name",
        without one)."""
        lines = []
        for command in self:
            spelled = spell(command) if spell is not None else f"/{command.name}"
            if spelled is not None:
                lines.append(f"{command.usage_as(spelled)} — {command.zh}")
        return lines


def _bind(arguments: tuple[Argument, ...], rest: str) -> dict[str, str]:
    bound: dict[str, str] = {}
    for argument in arguments:
        rest = rest.strip()
        if not rest:
            break
        if argument.take is Take.WORD:
            value, rest = _first_word(rest)
        else:
            value, rest = " ".join(rest.split()), ""
        bound[argument.name] = value
    return bound


def _first_word(text: str) -> tuple[str, str]:
    """The first word and the rest, split at any whitespace."""
    parts = text.split(maxsplit=1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


WORDS = Argument("words", "WORD", "单词，或用引号括起的短语", "words, or a quoted phrase")


ADMIN_COMMAND = Command(
    "admin",
    "管理员命令",
    "admin commands",
    admin_command,
    (
        Argument("action", "stats|pin|preview|broadcast|reload", "做什么", "what to do", Take.WORD),
        Argument("rest", "…", "它的参数", "its arguments"),
    ),
    Scope.ADMIN,
)


def default_commands(admins: Admins | None = None) -> CommandRegistry:
    """BuildSpeak's commands, in the order /help and the menus show them; `admins` (from
    `ADMIN_IDS`) may also run /admin."""
    return CommandRegistry(
        (
            Command(
                "start",
                "订阅每日一课",
                "subscribe to the daily lesson",
                subscription.start,
                (Argument("payload", "", "链接带来的课号", "a lesson link's payload", Take.WORD),),
            ),
            Command("today", "今天的课", "today's lesson", reading.today),
            Command("archive", "往期课程", "past lessons", reading.archive),
            Command(
                "lesson",
                "打开第 N 课",
                "open lesson N",
                reading.lesson,
                (Argument("number", "N", "课号", "the lesson's number", Take.WORD, required=True),),
            ),
            Command(
                "explain",
                "讲解单词、短语或句子",
                "explain a word, phrase or sentence",
                explaining.explain,
                (
                    Argument(
                        "text", "TEXT", "要讲解的英文或问题", "the English or the question", required=True
                    ),
                ),
            ),
            Command(
                "save",
                "收藏单词到生词本",
                "save words to your vocabulary book",
                vocabulary.save,
                (WORDS,),
                personal=True,
            ),
            Command(
                "words",
                "查看生词本",
                "your vocabulary book",
                vocabulary.words,
                (Argument("word", "", "只看这个词", "show just this word"),),
                Scope.PRIVATE,
                personal=True,
            ),
            Command(
                "forget",
                "从生词本删除单词",
                "remove a word from your book",
                vocabulary.forget,
                (Argument("word", "WORD", "要删除的词", "the word to remove", required=True),),
                personal=True,
            ),
            Command(
                "export",
                "导出生词本（CSV + Anki）",
                "export your book (CSV + Anki)",
                vocabulary_export.export,
                scope=Scope.PRIVATE,
                personal=True,
            ),
            Command(
                "web",
                "在浏览器里看生词本（登录链接）",
                "sign in to the reader in a browser",
                web_link.web,
                scope=Scope.PRIVATE,
                personal=True,
            ),
            Command("quiz", "来一轮复习测验", "a review quiz now", quiz.quiz_command, scope=Scope.PRIVATE),
            Command(
                "stats",
                "学习统计图",
                "your progress, as a picture",
                progress.stats,
                scope=Scope.PRIVATE,
                personal=True,
            ),
            Command(
                "setup",
                "订阅并设置推送时间和时区",
                "subscribe, with the lesson time and timezone",
                subscription.setup,
                (
                    Argument(
                        "time", "[HH:MM]", "推送时间，如 08:00", "the lesson time, such as 08:00", Take.WORD
                    ),
                    Argument(
                        "timezone",
                        "[Area/City]",
                        "时区，如 Asia/Shanghai",
                        "a timezone, such as Asia/Shanghai",
                    ),
                ),
                Scope.GROUP_ADMIN,
            ),
            Command("status", "查看订阅设置", "the subscription's settings", subscription.status),
            Command(
                "time",
                "设置每日推送时间",
                "set the daily lesson time",
                subscription.set_time,
                (Argument("time", "HH:MM", "时间，如 07:30、8点半", "a time such as 07:30", required=True),),
                Scope.GROUP_ADMIN,
            ),
            Command(
                "quiztime",
                "设置每日测验时间（off 关闭）",
                "set the daily quiz time (or off)",
                subscription.set_quiz_time,
                (Argument("time", "HH:MM|off", "时间，或 off", "a time, or off", required=True),),
                Scope.GROUP_ADMIN,
            ),
            Command(
                "tz",
                "设置时区",
                "set your timezone",
                subscription.set_timezone,
                (Argument("zone", "Area/City", "时区或城市", "a timezone or a city", required=True),),
                Scope.GROUP_ADMIN,
            ),
            Command("pause", "暂停推送", "pause the daily push", subscription.pause, scope=Scope.GROUP_ADMIN),
            Command(
                "resume", "恢复推送", "resume the daily push", subscription.resume, scope=Scope.GROUP_ADMIN
            ),
            Command(
                "stop",
                "退订（数据保留）",
                "unsubscribe (your data stays)",
                subscription.stop,
                scope=Scope.GROUP_ADMIN,
            ),
            Command(
                "deleteme",
                "删除我的全部数据",
                "erase everything about you",
                subscription.delete_me,
                scope=Scope.PRIVATE,
                personal=True,
            ),
            Command(
                "dm",
                "每日测验私信给我（on 开 / off 关）",
                "your daily quiz by direct message (on/off)",
                private_quiz.dm,
                (
                    Argument("switch", "on|off", "on 开启，off 关闭", "on or off", Take.WORD, required=True),
                    Argument("time", "[HH:MM]", "几点发，如 21:30", "at what time, such as 21:30", Take.WORD),
                ),
                Scope.MEMBER,
                personal=True,
            ),
            Command("help", "帮助", "help", subscription.help_),
            ADMIN_COMMAND,
        ),
        admins=admins,
    )

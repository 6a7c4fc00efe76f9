"""What flows between the conversation core and the chat adapters.

An adapter turns a platform update into an `Incoming` and each `Reply` the core
returns into the platform's calls. Replies are plain data, one message each, made
of typed parts: rich text as lines of styled spans (each adapter renders them:
HTML for Telegram, Markdown for Discord, colours for the console), buttons,
audio, a document, a picture, a poll or quiz, a notice; and who the message is for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.commands import Command


@dataclass(frozen=True)
class Span:
    """A run of text with one style. `spoiler` hides it until tapped (predict first, then check)."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    spoiler: bool = False
    url: str | None = None


Line = tuple[Span, ...]


@dataclass(frozen=True)
class RichText:
    """Lines of spans; an empty line is a paragraph break. Adapters may split a long text between lines."""

    lines: tuple[Line, ...]

    @property
    def plain(self) -> str:
        return "\n".join("".join(span.text for span in line) for line in self.lines)

    def __add__(self, other: RichText) -> RichText:
        return RichText(self.lines + other.lines)

    @classmethod
    def of(cls, *lines: str | Span | Line) -> RichText:
        """Plain strings, single spans or span tuples, one per line."""
        return cls(tuple(_line(line) for line in lines))


def _line(line: str | Span | Line) -> Line:
    if isinstance(line, str):
        return (Span(line),) if line else ()
    if isinstance(line, Span):
        return (line,)
    return tuple(line)


@dataclass(frozen=True)
class Button:
    """A button under a message: an `action`, a `url`, a `web_app` or a `start_payload`.

    `action` comes back to the core as `Incoming.action` when pressed; `url`
    opens a link; `start_payload` opens a private chat with the bot that starts
    with this payload (Telegram's `t.me/<bot>?start=…` deep link). A button on a
    group's message meant for one person's study may carry both: a platform that can
    answer the presser alone in place (Discord's ephemeral replies) uses the
    `action`, one that cannot (Telegram) opens the private chat.

    `web_app` is one of our reader's pages, opened inside the chat app where the platform can
    (a Telegram private chat: a Mini App, signed in as the presser). Everywhere else it is a
    plain link: to `url` when given (a page that makes sense in a browser), else to `web_app`
    itself. `link` is that plain link.
    """

    label: str
    action: str | None = None
    url: str | None = None
    start_payload: str | None = None
    web_app: str | None = None

    def __post_init__(self) -> None:
        does = [value is not None for value in (self.action, self.url, self.start_payload, self.web_app)]
        links_only = self.action is None and self.start_payload is None
        if not any(does) or ((self.url is not None or self.web_app is not None) and not links_only):
            raise ValueError(
                f"button {self.label!r} needs an action, a url, a web app or a start payload "
                "(a url or a web app alone, or both)"
            )

    @property
    def link(self) -> str | None:
        """The address a platform without Mini Apps opens: `url`, else `web_app`."""
        return self.url if self.url is not None else self.web_app


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Audio:
    """An MP3 to send. `key` identifies its content, so a platform can reuse an upload."""

    path: Path
    key: str
    title: str
    performer: str | None = None
    caption: RichText | None = None


@dataclass(frozen=True)
class Document:
    """A file to send, such as the vocabulary book's CSV or Anki deck. Small enough to hold in memory."""

    filename: str
    data: bytes
    caption: str | None = None


@dataclass(frozen=True)
class Photo:
    """A picture made for this person (the /stats chart): shown in the chat, not offered as a file."""

    filename: str
    data: bytes
    caption: str | None = None


MAX_POLL_OPTIONS = 10  # the smallest limit of the platforms (Discord's polls; Telegram takes 12)


@dataclass(frozen=True)
class Poll:
    """A question with choices. With `correct` set it is a quiz: the platform shows right or wrong as
    the person answers, and `explanation` after. `key` is the core's name for it; an adapter keeps
    the platform's id of the sent poll under it (`References`, kind "poll"), so an answer that
    arrives later leads back to the question asked."""

    key: str
    question: str
    options: tuple[str, ...]
    correct: int | None = None
    explanation: str | None = None

    def __post_init__(self) -> None:
        if not 2 <= len(self.options) <= MAX_POLL_OPTIONS:
            raise ValueError(f"a poll needs 2 to {MAX_POLL_OPTIONS} options, got {len(self.options)}")
        if self.correct is not None and not 0 <= self.correct < len(self.options):
            raise ValueError(f"the correct option {self.correct} is not one of the {len(self.options)}")


@dataclass(frozen=True)
class TypedAnswer:
    """The message waits for a word typed in answer (a quiz's recall or listening question).

    Where people simply type in the chat (Telegram, the console) nothing more is needed; where a
    message to the bot cannot be private (a Discord channel) the platform offers a form, titled
    `prompt`, whose text comes back to the core as typed text.
    """

    prompt: str
    placeholder: str = ""


class Visibility(StrEnum):
    """Who a reply is for. In a private chat the two are the same; in a group, ASKER replies are one
    person's business (their vocabulary book, a refusal): Discord shows them to that person alone
    (ephemeral), Telegram, which cannot, sends them as a reply to that person's message."""

    EVERYONE = "everyone"
    ASKER = "asker"


@dataclass(frozen=True)
class Reply:
    """A message to send, or (with `edit`) the new content of the message whose button was pressed.

    `notice` is a short toast for a button press (Telegram's callback answer);
    adapters without toasts send it as a plain message when nothing else is sent.
    `single` asks for one message even when the text is too long for the
    platform: the adapter cuts it at a line and marks the cut, instead of
    splitting it into several messages; its audio rides in that message where
    the platform attaches files to a text (Discord), and is left out where it
    would be a second message (Telegram). `visibility` says who it is for. `thread`
    names a discussion to open under the message (Discord's threads; a platform
    without them leaves it out).
    """

    text: RichText | None = None
    buttons: Keyboard = ()
    audio: Audio | None = None
    edit: bool = False
    notice: str | None = None
    single: bool = False
    document: Document | None = None
    poll: Poll | None = None
    photo: Photo | None = None
    visibility: Visibility = Visibility.EVERYONE
    thread: str | None = None  # a discussion under the message, where the platform has threads
    in_thread: bool = False  # belongs in the discussion of the chat's latest post, where threads exist
    typed_answer: TypedAnswer | None = None  # the message waits for a typed answer

    @property
    def shows_something(self) -> bool:
        """Whether it is a message of its own (not only an edit's toast or a notice)."""
        parts = (self.text, self.audio, self.document, self.poll, self.photo)
        return any(part is not None for part in parts)

    def for_asker(self) -> Reply:
        return replace(self, visibility=Visibility.ASKER)


REMOVED = "removed"  # the bot was blocked, or removed from the chat
RETURNED = "returned"  # a person who had blocked the bot unblocked it


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Quoted:
    """The bot's own message that a person replied to: its text (or caption) and its buttons.

    The buttons are how the core tells which lesson card a reply is about, with
    nothing remembered per message: a card's 🔊 button names its lesson and number.
    `audio` says the message was an audio message, whose caption (`text`) is a
    card's sentence; only then is the text worth looking up in the lessons.
    """

    text: str = ""
    buttons: tuple[Button, ...] = ()
    audio: bool = False


@dataclass(frozen=True)
class Invocation:
    """A command as a person gave it: its name and its arguments by name (missing ones absent).

    Text platforms leave it to the core to parse from the typed text; a platform with typed
    options (Discord's slash commands) fills `Incoming.command` with it directly.
    """

    name: str
    arguments: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class PollAnswer:
    """Someone's choice in a poll the bot sent: the core's key of the poll (`Poll.key`) and the
    options picked (none: they took their vote back)."""

    key: str
    options: tuple[int, ...]


async def _sender_is_admin() -> bool:
    return True


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: typed text (a command or not) or pressed a button (`action`).

    `is_admin` is asked only when a group setting is about to change, so an
    adapter can look the answer up lazily (Telegram: getChatMember). `event`
    reports what the platform did rather than the person (REMOVED, RETURNED).
    `ref` names the platform's event in logs. `quoted` is the bot's message this
    one replies to, if any. `addressed` says the text named the bot (an @mention,
    which the adapter removes from `text`): in a group, that makes it for the bot.
    `command` is a command the platform already parsed (typed options); else `text` is parsed.
    `message_id` is the platform's id of the person's message, for replies meant for them alone.
    `poll_answer` is a choice made in one of the bot's polls (a quiz question).
    `subscribe_with` is how this chat subscribes to the daily push on its platform, as hints name
    it: "/start"; "/buildspeak setup" for a Discord server; None where it cannot (a Discord
    member studies in their own space, and their lessons come in their server's channel).
    `community` is that server, when a member acts from one: its settings are their defaults.
    `answering` says the text was typed into a quiz question's answer form (Discord's): it is an
    answer, or too late for one, never a question to explain.
    `spell` says how the platform types a command, or None where it does not offer it (Discord:
    "/buildspeak time" for a server's setting); without it, "/name".
    """

    platform: str
    chat_id: str
    user_id: str
    chat_kind: ChatKind = ChatKind.PRIVATE
    text: str = ""
    action: str | None = None
    user_name: str | None = None
    language: str | None = None
    event: str | None = None
    ref: str = ""
    quoted: Quoted | None = None
    addressed: bool = False
    command: Invocation | None = None
    message_id: str | None = None
    poll_answer: PollAnswer | None = None
    subscribe_with: str | None = "/start"
    community: str | None = None
    answering: bool = False
    spell: Callable[[Command], str | None] | None = field(default=None, compare=False, repr=False)
    is_admin: Callable[[], Awaitable[bool]] = field(default=_sender_is_admin, compare=False, repr=False)


def keyboard(*rows: Iterable[Button]) -> Keyboard:
    return tuple(tuple(row) for row in rows if row)

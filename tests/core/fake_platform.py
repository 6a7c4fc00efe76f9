"""A chat with the conversation core and no platform at all: what a test says, what the bot shows.

`await chat.say("/today")` and `await chat.press("下一句 ▶")` read like the
conversation they test. Edits replace the message whose button was pressed,
as they do on Telegram, so `chat.last.text` is what the person now sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.core.commands import CommandRegistry, Handler
from bot.core.conversation import Conversation
from bot.core.messages import Button, ChatKind, Incoming, Quoted, Reply


@dataclass
class FakeChat:
    conversation: Conversation
    chat_id: str = "1001"
    user_id: str = "1001"
    kind: ChatKind = ChatKind.PRIVATE
    admin: bool = True
    platform: str = "fake"
    subscribe_with: str | None = "/start"  # None: a member whose lessons come in a server's channel
    community: str | None = None  # the server such a member writes from
    shown: list[Reply] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    async def say(
        self, text: str, *, user_id: str | None = None, reply_to: int | None = None, addressed: bool = False
    ) -> list[Reply]:
        """Write `text`; `reply_to` makes it a reply to shown message number `reply_to` (-1: the latest).

        `addressed` is an @mention of the bot, as an adapter reports it (removed from the text).
        """
        incoming = replace(self._incoming(text=text, user_id=user_id), addressed=addressed)
        if reply_to is not None:
            incoming = replace(incoming, quoted=quoted(self.shown[reply_to]))
        return await self._send(incoming, None)

    async def press(self, label: str, message: int = -1) -> list[Reply]:
        """Press the button labelled `label` on a shown message (the latest with buttons by default)."""
        index, button = self._button(label, message)
        if button.action is None:
            raise AssertionError(f"button {label!r} opens a link, it does not come back to the bot")
        return await self._send(self._incoming(action=button.action), index)

    def button(self, label: str, message: int = -1) -> Button:
        return self._button(label, message)[1]

    @property
    def last(self) -> Reply:
        return self.shown[-1]

    @property
    def text(self) -> str:
        """The plain text of the latest message with text."""
        return next(reply.text.plain for reply in reversed(self.shown) if reply.text is not None)

    def _incoming(self, *, text: str = "", action: str | None = None, user_id: str | None = None) -> Incoming:
        async def is_admin() -> bool:
            return self.admin

        return Incoming(
            platform=self.platform,
            chat_id=self.chat_id,
            user_id=user_id or self.user_id,
            chat_kind=self.kind,
            text=text,
            action=action,
            user_name="Tester",
            subscribe_with=self.subscribe_with,
            community=self.community,
            is_admin=is_admin,
        )

    async def _send(self, incoming: Incoming, pressed: int | None) -> list[Reply]:
        replies = await self.conversation.handle(incoming)
        for reply in replies:
            if reply.notice:
                self.notices.append(reply.notice)
            if reply.edit and pressed is not None:
                self.shown[pressed] = reply
            elif reply.shows_something:
                self.shown.append(reply)
        return replies

    def _button(self, label: str, message: int) -> tuple[int, Button]:
        indexes = reversed(range(len(self.shown))) if message == -1 else [message % len(self.shown)]
        for index in indexes:
            for row in self.shown[index].buttons:
                for button in row:
                    if button.label == label:
                        return index, button
        raise AssertionError(f"no button {label!r} on the shown messages")


def quoted(reply: Reply) -> Quoted:
    """A shown message as a platform reports the message someone replied to: text (or caption) and buttons.

    A reply with text and audio is sent as a text message then an audio one; the text is what is shown.
    """
    audio = reply.audio if reply.text is None else None
    text = audio.caption if audio is not None else reply.text
    buttons = tuple(b for row in reply.buttons for b in row)
    return Quoted(text=text.plain if text else "", buttons=buttons, audio=audio is not None)


def with_handler(commands: CommandRegistry, name: str, handler: Handler) -> CommandRegistry:
    """The same commands with one handler swapped (a test's broken or slow stand-in)."""
    return CommandRegistry(tuple(replace(c, handler=handler) if c.name == name else c for c in commands))

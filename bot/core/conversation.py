"""The conversation core: `handle(incoming) -> replies`, the one entry point every adapter calls.

Commands and button payloads are routed to small handlers; anything a handler
raises becomes a logged error and a short apology, so no platform ever shows
a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core import actions, explaining, reading, subscription, texts, vocabulary, vocabulary_export
from bot.core.messages import REMOVED, RETURNED, ChatKind, Incoming, Reply, RichText
from bot.core.quoted import quoted_lesson
from bot.core.turn import Services, Turn

log = logging.getLogger(__name__)

Handler = Callable[[Turn], Awaitable[list[Reply]]]

COMMAND_HANDLERS: dict[str, Handler] = {
    "start": subscription.start,
    "today": reading.today,
    "archive": reading.archive,
    "lesson": reading.lesson,
    "time": subscription.set_time,
    "tz": subscription.set_timezone,
    "pause": subscription.pause,
    "resume": subscription.resume,
    "stop": subscription.stop,
    "deleteme": subscription.delete_me,
    "help": subscription.help_,
    "explain": explaining.explain,
    "save": vocabulary.save,
    "words": vocabulary.words,
    "forget": vocabulary.forget,
    "export": vocabulary_export.export,
}


class Conversation:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, incoming: Incoming) -> list[Reply]:
        try:
            if incoming.event == REMOVED:
                return await subscription.removed(Turn(incoming, self.services))
            if incoming.event == RETURNED:
                return await subscription.returned(Turn(incoming, self.services))
            if incoming.action is not None:
                return await self._press(incoming, incoming.action)
            return await self._say(incoming)
        except Exception:
            where = (incoming.platform, incoming.ref, incoming.chat_id)
            log.exception("handling %s %s in chat %s failed", *where)
            return [Reply(RichText.of(texts.APOLOGY), notice=texts.APOLOGY[:60])]

    def may_be_slow(self, incoming: Incoming) -> bool:
        """Whether handling `incoming` may wait for the AI model, so an adapter can show "typing…".

        Told from the message alone, before anything is looked up: /explain, or a reply to a
        message with buttons or audio (a lesson message or an explanation) that would be answered.
        """
        explainer = self.services.explainer
        if explainer is None or explainer.ai is None or incoming.action is not None or incoming.event:
            return False
        command, _ = parse_command(incoming.text)
        if command is not None:
            return command == "explain"
        quoted = incoming.quoted
        if quoted is None or not (quoted.buttons or quoted.audio):
            return False
        return explaining.wants_answer(incoming)

    async def _say(self, incoming: Incoming) -> list[Reply]:
        command, args = parse_command(incoming.text)
        if command is None:
            # A reply to a lesson message is a question about it (in a group, if it looks like one).
            turn = Turn(incoming, self.services)
            context = quoted_lesson(turn) if incoming.quoted else None
            if context is not None:
                return await explaining.answer_reply(turn, context)
            # In a group people talk to each other; only commands are for the bot.
            group = incoming.chat_kind is ChatKind.GROUP
            return [] if group else [Reply(RichText.of(texts.NOT_A_COMMAND))]
        handler = COMMAND_HANDLERS.get(command)
        if handler is None:
            return [Reply(RichText.of(texts.UNKNOWN_COMMAND.format(name=command)))]
        return await handler(Turn(incoming, self.services, args))

    async def _press(self, incoming: Incoming, payload: str) -> list[Reply]:
        action = actions.decode(payload)
        turn = Turn(incoming, self.services, action.args)
        args = (*action.args, "", "", "")
        match action.verb:
            case actions.CARD:
                return await reading.show_card(turn, args[0], args[1], args[2])
            case actions.AUDIO:
                return await reading.card_audio(turn, args[0], args[1])
            case actions.FULL:
                return await reading.whole_text(turn, args[0], args[1])
            case actions.OPEN:
                return await reading.open_number(turn, args[0])
            case actions.ARCHIVE:
                return await reading.archive(turn, actions.small_number(args[0]) or 0)
            case actions.DELETE:
                return await subscription.delete_confirmed(turn, args[0])
            case actions.STAR:
                return await vocabulary.star(turn, args[0], args[1])
            case actions.PICK_WORD:
                return await vocabulary.pick(turn, args[0], args[1], args[2], args[3])
            case actions.WORDS_PAGE:
                return await vocabulary.words_page(turn, args[0])
            case actions.UNDO_FORGET:
                return await vocabulary.undo_forget(turn, args[0])
            case actions.NOOP:
                return [Reply(notice=NOOP_NOTICES.get(args[0], ""))]
        return [Reply(notice=texts.STALE_BUTTON)]


NOOP_NOTICES = {"first": "已经是第一句了。", "last": "已经是最后一句了 🎉 点「全文」复习整篇。"}


def parse_command(text: str) -> tuple[str | None, tuple[str, ...]]:
    """ "/time@BuildSpeakBot 07:30" -> ("time", ("07:30",)); text that is no command -> (None, ())."""
    words = text.strip().split()
    if not words or not words[0].startswith("/") or len(words[0]) < 2:
        return None, ()
    name = words[0][1:].split("@", 1)[0].lower()
    return name, tuple(words[1:])

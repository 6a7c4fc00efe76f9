"""The conversation core: `handle(incoming) -> replies`, the one entry point every adapter calls.

Commands and button payloads are routed to small handlers; anything a handler
raises becomes a logged error and a short apology, so no platform ever shows
a stack trace.

Every update is counted here, the one place all platforms pass (`Services.metrics`: updates per
platform, handling time per command), and named for the logs by a request id ("tg-<update id>",
"dc-<interaction id>") that stays with it through its sends.
"""

from __future__ import annotations

import logging
import time
import uuid

from bot.core import actions, explaining, quiz, reading, small_talk, subscription, texts, vocabulary
from bot.core.admin import handlers as admin
from bot.core.commands import CommandRegistry, default_commands
from bot.core.messages import REMOVED, RETURNED, ChatKind, Incoming, Reply, RichText
from bot.core.quoted import quoted_lesson
from bot.core.references import References
from bot.core.turn import Services, Turn
from bot.observability.requests import begin_request

log = logging.getLogger(__name__)
# How a request id names each platform's updates; others go by their platform's own name.
REQUEST_PREFIXES = {"telegram": "tg", "discord": "dc"}


class Conversation:
    def __init__(self, services: Services, commands: CommandRegistry | None = None) -> None:
        self.services = services
        self.commands = commands or default_commands()
        # What platforms must remember between messages (file ids, poll ids), kept by the core.
        self.references = References(services.sessions, services.clock)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to one update. Its request id is begun for the rest of the caller's task (an
        adapter's task per update), so the sends it posts afterwards carry it too."""
        begin_request(request_id(incoming))
        metrics = self.services.metrics
        if metrics is None:
            return await self._handle(incoming)
        metrics.updates.labels(incoming.platform).inc()
        started = time.perf_counter()
        try:
            return await self._handle(incoming)
        finally:
            elapsed = time.perf_counter() - started
            metrics.handler_seconds.labels(self.handled_as(incoming)).observe(elapsed)

    def handled_as(self, incoming: Incoming) -> str:
        """The update's label for the latency histogram: a known command's name, else one of a
        few fixed words. Never the text itself: a label per message would grow without end (and
        would put what people write into the metrics)."""
        if incoming.event:
            return incoming.event if incoming.event in (REMOVED, RETURNED) else "event"
        if incoming.poll_answer is not None:
            return "poll_answer"
        if incoming.action is not None:
            return "button"
        invocation = incoming.command or self.commands.parse(incoming.text)
        if invocation is None:
            return "text"
        return invocation.name if self.commands.get(invocation.name) else "unknown_command"

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        try:
            if incoming.event == REMOVED:
                return await subscription.removed(Turn(incoming, self.services))
            if incoming.event == RETURNED:
                return await subscription.returned(Turn(incoming, self.services))
            if incoming.poll_answer is not None:
                answer = incoming.poll_answer
                return await quiz.poll_answered(Turn(incoming, self.services), answer.key, answer.options)
            if incoming.action is not None:
                return await self._press(incoming, incoming.action)
            return await self._say(incoming)
        except Exception:
            where = (incoming.platform, incoming.ref, incoming.chat_id)
            log.exception("handling %s %s in chat %s failed", *where)
            return [Reply(RichText.of(texts.APOLOGY), notice=texts.APOLOGY[:60])]

    def may_be_slow(self, incoming: Incoming) -> bool:
        """Whether handling `incoming` may wait for the AI model, so an adapter can show "typing…".

        Told from the message alone, before anything is looked up: /explain, a reply to a
        message with buttons or audio (a lesson message or an explanation) that would be answered,
        or in a private chat any text but small talk (a typed quiz answer too: a moment of "typing…").
        """
        explainer = self.services.explainer
        if explainer is None or explainer.ai is None or incoming.action is not None or incoming.event:
            return False
        command = incoming.command or self.commands.parse(incoming.text)
        if command is not None:
            return command.name == "explain"
        quoted = incoming.quoted
        if quoted is not None and (quoted.buttons or quoted.audio):
            return explaining.wants_answer(incoming)
        return incoming.chat_kind is ChatKind.PRIVATE and small_talk.hint_for(incoming.text) is None

    async def _say(self, incoming: Incoming) -> list[Reply]:
        invocation = incoming.command or self.commands.parse(incoming.text)
        if invocation is None:
            # A reply to a lesson message is a question about it (in a group, if it looks like one).
            turn = Turn(incoming, self.services)
            context = await quoted_lesson(turn) if incoming.quoted else None
            if context is not None:
                return await explaining.answer_reply(turn, context)
            # A word typed while a quiz waits for one is its answer.
            answered = None if incoming.quoted else await quiz.typed(turn)
            if answered is not None:
                return answered
            if incoming.answering:  # the form of a question whose quiz has ended
                return [Reply(RichText.of(quiz.QUIZ_OVER))]
            # In a group people talk to each other; only commands are for the bot. In a private
            # chat, text is a question about the card last looked at (or small talk).
            group = incoming.chat_kind is ChatKind.GROUP
            return [] if group else await explaining.answer_plain(turn)
        command = self.commands.get(invocation.name)
        if command is None:
            return [Reply(RichText.of(texts.UNKNOWN_COMMAND.format(name=invocation.name)))]
        turn = Turn(incoming, self.services, arguments=invocation.arguments, commands=self.commands)
        replies = await command.handler(turn)
        return [reply.for_asker() for reply in replies] if command.personal else replies

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
            case actions.QUIZ_START:
                return await quiz.start_pressed(turn, args[0])
            case actions.QUIZ_PICK:
                return await quiz.picked(turn, args[0], args[1])
            case actions.QUIZ_HINT:
                return await quiz.hint(turn, args[0])
            case actions.QUIZ_SKIP:
                return await quiz.skipped(turn, args[0])
            case actions.QUIZ_NOW:
                return await quiz.quiz_now(turn, args[0])
            case admin.BROADCAST:  # ✅ / ❌ under an admin's broadcast preview
                return await admin.pressed(Turn(incoming, self.services, action.args, commands=self.commands))
            case admin.REVIEW:  # 通过 / 跳过 / 预览全文 under a post of the admins' review digest
                return await admin.reviewed(
                    Turn(incoming, self.services, action.args, commands=self.commands)
                )
            case actions.NOOP:
                return [Reply(notice=NOOP_NOTICES.get(args[0], ""))]
        return [Reply(notice=texts.STALE_BUTTON)]


def request_id(incoming: Incoming) -> str:
    """ "tg-<update id>", "dc-<interaction id>" (the number in `Incoming.ref`); a random one for an
    update without a number (the console's lines)."""
    number = next((word for word in incoming.ref.split() if word.isdigit()), None)
    prefix = REQUEST_PREFIXES.get(incoming.platform, incoming.platform)
    return f"{prefix}-{number or uuid.uuid4().hex[:8]}"


NOOP_NOTICES = {"first": "已经是第一句了。", "last": "已经是最后一句了 🎉 点「全文」复习整篇。"}

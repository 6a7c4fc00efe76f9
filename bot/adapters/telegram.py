"""The Telegram adapter (python-telegram-bot v22): updates in, the core's replies out.

Translation only: a message, a button press or a membership change becomes an
`Incoming`; each `Reply` becomes sendMessage / editMessageText / sendAudio.
Audio is uploaded once per file and then sent by the `file_id` Telegram gave
back, to anyone. Everything else (what to say, when) lives in the core.

A handler does not send: it hands the update's sends to the chat's outbox and returns, so a
wait for the rate limit never holds one of PTB's update slots. The outbox sends them in order,
each paced and sent again after a 429, a network error or a 5xx (`Resender.surely`); what still
fails ends in the apology, logged with its cause.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
    WebAppInfo,
)
from telegram import Poll as TelegramPoll
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.adapters.telegram_errors import classify
from bot.adapters.telegram_http import AiohttpRequest
from bot.adapters.telegram_text import CAPTION_LIMIT, MESSAGE_LIMIT, split_html
from bot.core import texts
from bot.core.commands import Scope
from bot.core.conversation import Conversation
from bot.core.messages import (
    REMOVED,
    RETURNED,
    Audio,
    Button,
    ChatKind,
    Document,
    Incoming,
    Keyboard,
    Photo,
    Poll,
    PollAnswer,
    Quoted,
    Reply,
    RichText,
    Visibility,
)
from bot.core.references import AUDIO_FILE, POLL
from bot.delivery.outbox import ClaimTakenOver, Outboxes, Stopped
from bot.delivery.pacing import Pacer
from bot.delivery.resend import CountReply, GaveUp, Resender, ResendPolicy

PLATFORM = "telegram"
CUT_MARK = "\n…（篇幅所限，完整内容请点下方按钮）"
PRIVATE_CHAT_MARK = "（私聊）"  # on a button that opens the private chat with the bot
ADMIN_STATUSES = frozenset({ChatMember.ADMINISTRATOR, ChatMember.OWNER})
PRESENT_STATUSES = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER})
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RENDERED_KEPT = 64  # replies whose HTML is kept for reuse
# The Bot API's poll limits, in characters: longer parts are cut rather than refused.
POLL_QUESTION_LIMIT, POLL_OPTION_LIMIT, POLL_EXPLANATION_LIMIT = 300, 100, 200
TYPING_EVERY = 4.0  # seconds between "typing…" actions: Telegram shows one for up to 5 s
JsonMarkup = dict[str, object] | None
# The Telegram users whose private chats have the admin menu (kept to take it back from one who
# is no longer an admin), as the core's reference of this kind and key: "123,456".
ADMIN_MENUS, ADMIN_MENUS_KEPT = "admin-menus", 255

log = logging.getLogger(__name__)
T = TypeVar("T")


class Via(Protocol):
    """How one Bot API call goes out: `TelegramAdapter.paced` (the push) or `surely` (replies)."""

    def __call__(self, chat_id: str, send: Callable[[], Awaitable[T]]) -> Awaitable[T]: ...


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base_url: str = "https://api.telegram.org"
    concurrent_updates: int = 16  # handlers at once, slow ones included (a model's answer)
    quick_updates: int = 2  # of those, handlers in their first moments (see TicketedUpdates)
    poll_timeout: int = 30
    connections: int = 128  # HTTP connections for sends: replies and the push's in-flight sends


def build_application(config: TelegramConfig, processor: BaseUpdateProcessor | None = None) -> Application:
    """PTB's application pointed at the configured Bot API server (Telegram's, a local one, or a fake).

    Sends and polling each get their own aiohttp pool (see telegram_http for why not httpx):
    a long poll must never wait behind a broadcast's sends, nor they behind it. No `Updater`: the
    runtime polls itself, so that an update is stored before Telegram is told it arrived
    (`bot/runtime/telegram_polling.py`); `processor` runs the handlers (default: PTB's, with
    `concurrent_updates` slots).
    """
    sends = AiohttpRequest(config.connections)
    polls = AiohttpRequest(1, read_timeout=config.poll_timeout + 10)
    return (
        ApplicationBuilder()
        .token(config.token)
        .base_url(f"{config.api_base_url}/bot")
        .base_file_url(f"{config.api_base_url}/file/bot")
        .request(sends)
        .get_updates_request(polls)
        .concurrent_updates(processor or config.concurrent_updates)
        .updater(None)
        .build()
    )


class TelegramAdapter:
    """Connects a PTB application to the conversation core."""

    def __init__(
        self,
        conversation: Conversation,
        pacer: Pacer | None = None,
        *,
        typing_every: float = TYPING_EVERY,
        outboxes: Outboxes | None = None,
        resend: ResendPolicy | None = None,
        count_reply: CountReply | None = None,
    ) -> None:
        self.conversation = conversation
        self.references = conversation.references  # file ids, through the core
        self.pacer = pacer  # shared with the daily push, so replies and broadcasts stay within one limit
        self.typing_every = typing_every
        self.outboxes = outboxes or Outboxes()
        stopping = self.outboxes.stopping
        self.resender = Resender(pacer, classify, resend, stopping=stopping, count=count_reply)
        # Keyed by the reply and whether the chat is private: only there a button opens a Mini App.
        self._rendered: dict[tuple[int, bool], tuple[Reply, list[str], JsonMarkup]] = {}

    def attach(self, application: Application) -> None:
        # New messages only: editing an old "/today" must not run it again.
        new_text = (filters.TEXT | filters.COMMAND) & filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(new_text, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_handler(PollAnswerHandler(self.on_poll_answer))
        application.add_error_handler(self.on_error)

    async def register_commands(self, application: Application) -> None:
        """The command menu, in Chinese, as Telegram shows it next to the text box: every command but
        a server member's own push (a Telegram chat subscribes itself). Each admin's private chat
        gets a menu of its own with the admin commands as well; no other menu names them."""
        registry = self.conversation.commands
        commands = [
            BotCommand(command.name, command.zh) for command in registry if command.scope is not Scope.MEMBER
        ]
        await application.bot.set_my_commands(commands)
        admin_only = [BotCommand(command.name, command.zh) for command in registry.admin_commands()]
        await self._admin_menus(application.bot, commands + admin_only, registry.admins.on(PLATFORM))

    async def _admin_menus(self, bot: TelegramBot, menu: list[BotCommand], admins: list[str]) -> None:
        """The admins' menus (a chat scope each: an admin's private chat id is their user id), and
        the common menu back for whoever was an admin at the last start and is no longer."""
        before = await self.references.recall(PLATFORM, ADMIN_MENUS, ADMIN_MENUS)
        for user_id in admins:
            try:
                await bot.set_my_commands(menu, scope=BotCommandScopeChat(int(user_id)))
            except TelegramError as error:  # "chat not found": they have not written to the bot yet
                log.warning("no admin menu for Telegram user %s yet: %s", user_id, error)
        for user_id in sorted(set(before.split(",") if before else ()) - set(admins)):
            try:
                await bot.delete_my_commands(scope=BotCommandScopeChat(int(user_id)))
            except TelegramError as error:
                log.warning("could not take the admin menu from Telegram user %s: %s", user_id, error)
        now = ",".join(admins)
        if now != (before or "") and len(now) <= ADMIN_MENUS_KEPT:
            await self.references.replace(PLATFORM, ADMIN_MENUS, ADMIN_MENUS, now)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None or update.effective_user is None:
            return
        if _addressed_elsewhere(message.text, context.bot.username):
            return
        text, addressed = without_mention(message.text, context.bot.username)
        incoming = self._incoming(update, context, text=text)
        quoted = _quoted(message, context.bot.id, context.bot.username)
        incoming = replace(incoming, quoted=quoted, addressed=addressed)
        if self.conversation.may_be_slow(incoming):
            async with typing(context.bot, incoming.chat_id, every=self.typing_every):
                replies = await self.conversation.handle(incoming)
        else:
            replies = await self.conversation.handle(incoming)
        self.deliver(context.bot, incoming, replies, None, ticket=update.update_id)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        incoming = self._incoming(update, context, action=query.data or "")
        replies = await self.conversation.handle(incoming)
        self.deliver(context.bot, incoming, replies, query, ticket=update.update_id)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group: subscribe it. Blocked or removed: stop pushing there. Unblocked: resume."""
        change = update.my_chat_member
        if change is None:
            return
        was_in, is_in = _present(change.old_chat_member), _present(change.new_chat_member)
        private = change.chat.type == ChatType.PRIVATE
        if is_in and not was_in:
            what = {"event": RETURNED} if private else {"text": "/start"}
            incoming = self._incoming(update, context, **what)
        elif was_in and not is_in:
            incoming = self._incoming(update, context, event=REMOVED)
        else:
            return
        replies = await self.conversation.handle(incoming)
        self.deliver(context.bot, incoming, replies, None, ticket=update.update_id)

    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A vote in one of our quiz polls. Telegram names only the poll and the voter, not the chat:
        the chat and the core's key of the question were kept when the poll was sent (in the
        database, so the answer may come after a restart, or to another process)."""
        answer = update.poll_answer
        if answer is None or answer.user is None:
            return  # an anonymous vote (a channel's): nobody to grade
        sent = await self.references.recall(PLATFORM, POLL, answer.poll_id)
        if sent is None or " " not in sent:
            log.info("vote in poll %s, which is not one of ours (or too old)", answer.poll_id)
            return
        chat_id, key = sent.split(" ", 1)
        incoming = Incoming(
            platform=PLATFORM,
            chat_id=chat_id,
            user_id=str(answer.user.id),
            chat_kind=ChatKind.GROUP if chat_id.startswith("-") else ChatKind.PRIVATE,
            user_name=answer.user.full_name,
            language=answer.user.language_code,
            ref=f"update {update.update_id}",
            poll_answer=PollAnswer(key, tuple(answer.option_ids)),
        )
        replies = await self.conversation.handle(incoming)
        self.deliver(context.bot, incoming, replies, None, ticket=update.update_id)

    def _incoming(self, update: Update, context: ContextTypes.DEFAULT_TYPE, **what: str) -> Incoming:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None

        async def is_admin() -> bool:
            message = update.effective_message
            if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
                return True  # an anonymous admin writes as the group itself
            member = await context.bot.get_chat_member(chat.id, user.id)
            return member.status in ADMIN_STATUSES

        typed = update.message if "text" in what else None  # a button's message is the bot's own
        return Incoming(
            platform=PLATFORM,
            chat_id=str(chat.id),
            user_id=str(user.id),
            chat_kind=ChatKind.PRIVATE if chat.type == ChatType.PRIVATE else ChatKind.GROUP,
            user_name=chat.title or user.full_name,
            language=user.language_code,
            ref=f"update {update.update_id}",
            is_admin=is_admin,
            message_id=str(typed.message_id) if typed is not None else None,
            **what,
        )

    def deliver(
        self,
        bot: TelegramBot,
        incoming: Incoming,
        replies: list[Reply],
        query: CallbackQuery | None,
        *,
        ticket: Hashable | None = None,
    ) -> None:
        """Hand the replies to the chat's outbox, to go out in order; a button press is always
        answered (at once, on a lane of its own), with the first notice if any. `ticket` is the
        update: it counts as answered once every send it posted has ended."""
        notice = next((reply.notice for reply in replies if reply.notice), None)
        if query is not None:
            self.outboxes.post(("answer", query.id), lambda: self._answer(query, notice), ticket=ticket)
        shows = any(reply.shows_something for reply in replies)
        if shows or (query is None and notice):
            self.outboxes.post(
                incoming.chat_id, lambda: self._letter(bot, incoming, replies, query, notice), ticket=ticket
            )

    async def _letter(
        self,
        bot: TelegramBot,
        incoming: Incoming,
        replies: list[Reply],
        query: CallbackQuery | None,
        notice: str | None,
    ) -> None:
        """The replies in order, each call sent until it goes through; what cannot be sent ends in
        the apology, logged with its cause (a stop leaves the rest to the next start instead)."""
        chat_id = incoming.chat_id
        try:
            for reply in replies:
                await self._send_reply(bot, incoming, reply, query)
            if query is None and notice and not any(reply.shows_something for reply in replies):
                await self.surely(chat_id, lambda: bot.send_message(chat_id, notice))
        except (Stopped, ClaimTakenOver, asyncio.CancelledError):  # not ours to answer, or not now
            raise
        except Exception as error:
            log.error("%s: no answer could be sent to chat %s: %s", incoming.ref, chat_id, _cause(error))
            await self.apologise(bot, chat_id, incoming.ref)

    async def _send_reply(
        self, bot: TelegramBot, incoming: Incoming, reply: Reply, query: CallbackQuery | None
    ) -> None:
        chat_id = incoming.chat_id
        if reply.edit and query is not None and query.message is not None:
            await self._edit(bot, query, reply)
        elif reply.text is not None:
            await self.send_text(bot, chat_id, reply, reply_to=_addressee(incoming, reply))
        if (audio := separate_audio(reply)) is not None:
            await self.send_audio(bot, chat_id, audio, via=self.surely)
        if reply.document is not None:
            await self.send_document(bot, chat_id, reply.document)
        if reply.poll is not None:
            await self.send_poll(bot, chat_id, reply.poll, via=self.surely)
        if reply.photo is not None:
            await self.send_photo(bot, chat_id, reply.photo)

    async def apologise(self, bot: TelegramBot, chat_id: str, ref: str) -> None:
        """The apology, tried once (429s waited out): if Telegram takes nothing, it is only logged."""
        try:
            await self.surely(chat_id, lambda: bot.send_message(chat_id, texts.APOLOGY), give_up_after=0)
        except (TelegramError, GaveUp) as error:
            log.warning("%s: could not send the apology to chat %s: %s", ref, chat_id, _cause(error))

    async def paced(self, chat_id: str, send: Callable[[], Awaitable[T]]) -> T:
        """The push's sends: each waits its turn under the rate limits; a 429 pauses all of them and
        is raised, for the push to count and retry (its ledger keeps the tries)."""
        return await self.resender.once(chat_id, send, group=chat_id.startswith("-"))

    async def surely(
        self, chat_id: str, send: Callable[[], Awaitable[T]], *, give_up_after: float | None = None
    ) -> T:
        """A reply's sends: paced, and sent again after a 429 (every send waits it out), a network
        error or a 5xx, within the reply policy's time."""
        return await self.resender.surely(
            chat_id, send, group=chat_id.startswith("-"), give_up_after=give_up_after
        )

    async def send_text(
        self, bot: TelegramBot, chat_id: str, reply: Reply, *, reply_to: str | None = None
    ) -> Message:
        """Send a text reply, split to fit; returns the last message (the one with the buttons).
        `reply_to` makes the first piece a reply to that message (a reply for one person in a group)."""
        pieces, markup = self._prepared(reply, bot.username, private=_private(chat_id))
        sent: list[Message] = []
        for number, piece in enumerate(pieces, 1):
            # The keyboard goes as the JSON it was rendered to once, not re-serialised per subscriber.
            extras: dict[str, object] = {"reply_markup": markup} if markup and number == len(pieces) else {}
            if reply_to is not None and number == 1:
                extras["reply_parameters"] = {
                    "message_id": int(reply_to),
                    "allow_sending_without_reply": True,
                }

            def send(piece: str = piece, extras: dict[str, object] = extras) -> Awaitable[Message]:
                return bot.send_message(
                    chat_id,
                    piece,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    api_kwargs=extras,
                )

            sent.append(await self.surely(chat_id, send))
        return sent[-1]

    async def push_text(self, bot: TelegramBot, chat_id: str, reply: Reply) -> str:
        """`send_text` for a broadcast: the same message, but Telegram's answer stays a dict.

        Parsing each answer into a PTB `Message` was a third of a push's CPU, and a push needs
        only the message id. Bot API method names are case-insensitive: "sendmessage" takes PTB's
        generic `do_api_request` path without its hint to use `send_message`, which is exactly
        what we are avoiding here. Errors are PTB's usual ones.
        """
        pieces, markup = self._prepared(reply, bot.username, private=_private(chat_id))
        answer: dict[str, object] = {}
        for number, piece in enumerate(pieces, 1):
            fields: dict[str, object] = {
                "chat_id": chat_id,
                "text": piece,
                "parse_mode": ParseMode.HTML.value,
            }
            fields["link_preview_options"] = {"is_disabled": True}
            if markup and number == len(pieces):
                fields["reply_markup"] = markup

            def send(fields: dict[str, object] = fields) -> Awaitable[dict[str, object]]:
                return bot.do_api_request("sendmessage", api_kwargs=fields)

            answer = await self.paced(chat_id, send)
        return str(answer["message_id"])

    async def _edit(self, bot: TelegramBot, query: CallbackQuery, reply: Reply) -> None:
        """Replace the pressed message; if it can no longer be edited (deleted, too old), send it anew."""
        message = query.message
        if reply.text is None or message is None:
            return None
        # Too old for Telegram to show us: PTB 22.8 parses such a message (date 0) as a `Message`,
        # not an `InaccessibleMessage`, so its date says it. An edit would be refused: send a new one.
        if not message.is_accessible or not isinstance(message, Message):
            await self.send_text(bot, str(message.chat.id), reply)
            return None
        markup = self._markup(reply.buttons, bot.username, private=message.chat.type == ChatType.PRIVATE)
        try:
            await self.surely(
                str(message.chat_id),
                lambda: message.edit_text(
                    _pieces(reply.text, single=True)[0],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup,
                ),
            )
        except BadRequest as error:
            if "not modified" in error.message.lower():  # a double tap: nothing to change
                return None
            log.info("could not edit message %s (%s); sending it anew", message.message_id, error.message)
            await self.send_text(bot, str(message.chat_id), reply)
        return None

    async def send_audio(
        self, bot: TelegramBot, chat_id: str, audio: Audio, *, via: Via | None = None
    ) -> None:
        """Upload a file the first time; later sends, to anyone, reuse Telegram's file_id."""
        send = via or self.paced
        caption = _pieces(audio.caption, single=True, limit=CAPTION_LIMIT)[0] if audio.caption else None
        options = {"title": audio.title, "performer": audio.performer, "caption": caption}
        known = await self.references.recall(PLATFORM, AUDIO_FILE, audio.key)
        if known is not None:
            try:
                await send(
                    chat_id, lambda: bot.send_audio(chat_id, known, parse_mode=ParseMode.HTML, **options)
                )
                return
            except BadRequest as error:
                log.warning("stored file_id for audio %s refused (%s); uploading again", audio.key, error)
        # The bytes, not an open file: a retried upload must send the whole file again.
        data = await asyncio.to_thread(audio.path.read_bytes)
        sent = await send(
            chat_id,
            lambda: bot.send_audio(
                chat_id, data, filename=audio.path.name, parse_mode=ParseMode.HTML, **options
            ),
        )
        if sent.audio is not None:
            await self.references.remember(PLATFORM, AUDIO_FILE, audio.key, sent.audio.file_id)

    async def send_document(self, bot: TelegramBot, chat_id: str, document: Document) -> None:
        """A file made for this person (an export): always a fresh upload."""
        upload = InputFile(document.data, filename=document.filename, attach=True)
        await self.surely(chat_id, lambda: bot.send_document(chat_id, upload, caption=document.caption))

    async def send_poll(
        self, bot: TelegramBot, chat_id: str, poll: Poll, *, via: Via | None = None
    ) -> Message:
        """A poll, or with a correct option a quiz, which Telegram grades as the person answers. Not
        anonymous, so its answers name who gave them; its id is kept to lead an answer back to it."""
        options = (
            {"type": TelegramPoll.QUIZ, "correct_option_ids": [poll.correct]}
            if poll.correct is not None
            else {}
        )
        sent = await (via or self.paced)(
            chat_id,
            lambda: bot.send_poll(
                chat_id,
                poll.question[:POLL_QUESTION_LIMIT],
                [option[:POLL_OPTION_LIMIT] for option in poll.options],
                is_anonymous=False,
                explanation=poll.explanation[:POLL_EXPLANATION_LIMIT] if poll.explanation else None,
                **options,
            ),
        )
        if sent.poll is not None:  # "chat key": the answer names neither
            await self.references.remember(PLATFORM, POLL, sent.poll.id, f"{chat_id} {poll.key}")
        return sent

    async def send_photo(self, bot: TelegramBot, chat_id: str, photo: Photo) -> None:
        """A picture made for this person (a /stats chart): a fresh upload, shown in the chat."""
        upload = InputFile(photo.data, filename=photo.filename, attach=True)
        caption = photo.caption[:CAPTION_LIMIT] if photo.caption else None
        await self.surely(chat_id, lambda: bot.send_photo(chat_id, upload, caption=caption))

    def _prepared(
        self, reply: Reply, bot_username: str | None, *, private: bool
    ) -> tuple[list[str], JsonMarkup]:
        """The reply's HTML pieces and keyboard. A push sends one Reply object to every subscriber,
        so it is rendered once (per kind of chat), not 100,000 times; the entry keeps the reply, so
        its id stays its own."""
        cached = self._rendered.get((id(reply), private))
        if cached is None or cached[0] is not reply:
            assert reply.text is not None
            if len(self._rendered) >= RENDERED_KEPT:
                self._rendered.clear()
            pieces = _pieces(reply.text, single=reply.single)
            markup = self._markup(reply.buttons, bot_username, private=private)
            cached = (reply, pieces, markup.to_dict() if markup else None)
            self._rendered[(id(reply), private)] = cached
        return cached[1], cached[2]

    @staticmethod
    def _markup(rows: Keyboard, bot_username: str | None, *, private: bool) -> InlineKeyboardMarkup | None:
        if not rows:
            return None
        return InlineKeyboardMarkup(
            [[_button(button, bot_username, private=private) for button in row] for row in rows]
        )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with the update id (the formatter keeps the token out) and apologise to the person,
        through their chat's outbox like any reply."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed: %r", update_id, context.error, exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            return
        chat_id, bot = str(chat.id), context.bot
        self.outboxes.post(
            chat_id, lambda: self.apologise(bot, chat_id, f"update {update_id}"), ticket=update_id
        )

    async def _answer(self, query: CallbackQuery, notice: str | None) -> None:
        """Stop the button's spinner: unpaced (Telegram does not count it), a 429 or a 5xx retried.
        Telegram refuses answers after ~15 s (a slow voice, a backlog): the reply itself still goes out."""
        chat_id = str(query.message.chat.id) if query.message is not None else ""
        text = notice[:200] if notice else None
        try:
            await self.resender.surely(chat_id, lambda: query.answer(text), paced=False)
        except BadRequest as error:
            log.info("callback answer refused (%s); sending the reply anyway", error.message)
        except (TelegramError, GaveUp) as error:
            log.warning("callback answer not sent (%s); sending the reply anyway", _cause(error))


def _private(chat_id: str) -> bool:
    """Telegram's private chats have the user's (positive) id; groups and channels negative ones."""
    return not chat_id.startswith("-")


def _cause(error: BaseException) -> str:
    """What went wrong, for the log: a `GaveUp` says how often, its cause what Telegram answered."""
    if isinstance(error, GaveUp) and error.__cause__ is not None:
        return f"{error} ({type(error.__cause__).__name__})"
    return f"{type(error).__name__}: {error}"


def _addressee(incoming: Incoming, reply: Reply) -> str | None:
    """Telegram has no message only one member of a group sees: a reply for the asker alone goes out
    as a reply to their message, so it is plainly theirs (in a private chat, it is anyway)."""
    if reply.visibility is Visibility.ASKER and incoming.chat_kind is ChatKind.GROUP:
        return incoming.message_id
    return None


def _quoted(message: Message, bot_id: int, bot_username: str | None) -> Quoted | None:
    """The bot's message this one replies to, with its buttons as the core made them."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    rows = replied.reply_markup.inline_keyboard if replied.reply_markup else ()
    buttons = tuple(_core_button(button, bot_username) for row in rows for button in row)
    text = replied.text or replied.caption or ""
    return Quoted(text=text, buttons=tuple(b for b in buttons if b), audio=replied.audio is not None)


@asynccontextmanager
async def typing(bot: TelegramBot, chat_id: str, *, every: float = TYPING_EVERY) -> AsyncIterator[None]:
    """Show "typing…" in the chat while the body runs (an explanation waiting for the model).

    Telegram clears the status after 5 s or at the next message, so it is sent again every
    `every` seconds until the body is done. It is decoration, so it goes out unpaced (queued behind
    a broadcast it would come too late to mean anything) and a refusal, a 429 included, is only
    logged and ends it.
    """
    task = asyncio.create_task(_keep_typing(bot, chat_id, every))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _keep_typing(bot: TelegramBot, chat_id: str, every: float) -> None:
    while True:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:
            log.info("typing action refused in chat %s (%s)", chat_id, error)
            return
        await asyncio.sleep(every)


def without_mention(text: str, bot_username: str | None) -> tuple[str, bool]:
    """The text without "@ThisBot", and whether it was there: "@BuildSpeakBot 这句？" → ("这句？", True)."""
    if not bot_username:
        return text, False
    mention = re.compile(rf"(?<![\w@])@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)
    stripped, count = mention.subn(" ", text)
    return (" ".join(stripped.split()), True) if count else (text, False)


def _core_button(button: InlineKeyboardButton, bot_username: str | None) -> Button | None:
    """The inverse of `_button`: callback data is an action, our own t.me link a start payload,
    a Mini App its page (a group's plain link to the reader reads back as a url)."""
    if isinstance(button.callback_data, str):
        return Button(button.text, action=button.callback_data)
    if button.web_app is not None:
        return Button(button.text, web_app=button.web_app.url)
    if button.url is None:
        return None
    start_link = f"https://t.me/{bot_username}?start="
    if bot_username and button.url.startswith(start_link):
        label = button.text.removesuffix(PRIVATE_CHAT_MARK)
        return Button(label, start_payload=button.url.removeprefix(start_link))
    return Button(button.text, url=button.url)


def separate_audio(reply: Reply) -> Audio | None:
    """The reply's audio, sent as a message of its own after the text; none for a `single` post
    (a group's daily lesson): Telegram cannot attach audio to a text message, and a single post
    stays one message, so a retried push never repeats a part."""
    return None if reply.single and reply.text is not None else reply.audio


def _present(member: ChatMember) -> bool:
    """In the chat: a member or admin, or restricted but still a member (it may still post)."""
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in PRESENT_STATUSES


def _button(button: Button, bot_username: str | None, *, private: bool) -> InlineKeyboardButton:
    """A button for one person's study in a group opens the private chat, and says so: Telegram
    cannot answer the presser alone in the group. A reader page opens as a Mini App only in a
    private chat and over HTTPS (Telegram refuses web_app buttons in groups and on http://);
    elsewhere it is a plain link."""
    if button.start_payload is not None:
        return InlineKeyboardButton(
            button.label + PRIVATE_CHAT_MARK, url=f"https://t.me/{bot_username}?start={button.start_payload}"
        )
    if button.action is not None:
        return InlineKeyboardButton(button.label, callback_data=button.action)
    if button.web_app is not None and private and button.web_app.startswith("https://"):
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.web_app))
    return InlineKeyboardButton(button.label, url=button.link)


def _pieces(text: RichText, *, single: bool, limit: int = MESSAGE_LIMIT) -> list[str]:
    """HTML messages within the limit: several, or one cut short with a mark when `single`."""
    if not single:
        return split_html(text, limit)
    pieces = split_html(text, limit - len(CUT_MARK))
    return [pieces[0] + CUT_MARK] if len(pieces) > 1 else pieces


def _addressed_elsewhere(text: str, bot_username: str | None) -> bool:
    """ "/today@OtherBot" in a group is for another bot."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first.startswith("/") or "@" not in first:
        return False
    return first.split("@", 1)[1].lower() != (bot_username or "").lower()

"""The fake Telegram server, driven by the real python-telegram-bot, as the end-to-end tests will drive it.

These pin down that PTB can talk to the fake at all (request encodings, response shapes PTB parses) and
that the fake refuses what Telegram refuses, so the e2e tests built on it can be trusted.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import ssl
import struct
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import Call, FakeTelegramServer, format_text, image_size

CHAT = 4242
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Again", callback_data="again"),
            InlineKeyboardButton("Next", callback_data="next"),
        ],
        [InlineKeyboardButton("Source", url="https://example.com/post")],
    ]
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


# Each HTTPXRequest loads the CA bundle (~60 ms, twice per Bot); sharing one context keeps these tests fast.
SSL_CONTEXT = ssl.create_default_context()


def make_bot(fake: FakeTelegramServer, token: str | None = None) -> Bot:
    return Bot(
        token or fake.token,
        base_url=f"{fake.url}/bot",
        base_file_url=f"{fake.url}/file/bot",
        request=HTTPXRequest(httpx_kwargs={"verify": SSL_CONTEXT}),
        get_updates_request=HTTPXRequest(httpx_kwargs={"verify": SSL_CONTEXT}),
    )


@pytest.fixture
async def bot(fake: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with make_bot(fake) as bot:
        yield bot


async def test_get_me_answers_as_the_test_bot(bot: Bot, fake: FakeTelegramServer) -> None:
    me = await bot.get_me()

    assert (me.username, me.id, me.is_bot) == (fake.bot_username, fake.bot_id, True)
    assert [call.method for call in fake.calls] == ["getMe", "getMe"]  # initialize() asked first


async def test_a_wrong_token_is_unauthorized(fake: FakeTelegramServer) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with make_bot(fake, token="999:WRONG"):  # initialize() calls getMe, and shuts down on failure
            pass

    assert (fake.calls[-1].status, fake.calls[-1].description) == (401, "Unauthorized")


async def test_an_unknown_method_is_404_and_recorded(bot: Bot, fake: FakeTelegramServer) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": CHAT})

    (call,) = fake.calls_to("sendhologram")
    assert (call.status, call.description, call.params["chat_id"]) == (404, "Not Found", CHAT)


async def test_send_message_parses_html_and_keeps_the_inline_keyboard(
    bot: Bot, fake: FakeTelegramServer
) -> None:
    html = '<b>Word</b> of the day: <i>ship</i> &amp; <a href="https://example.com/?a=1&amp;b=2">more</a>'

    sent = await bot.send_message(CHAT, html, parse_mode=ParseMode.HTML, reply_markup=KEYBOARD)

    assert sent.text == "Word of the day: ship & more"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 4),
        ("italic", 17, 4),
        ("text_link", 24, 4),
    ]
    assert sent.entities[2].url == "https://example.com/?a=1&b=2"
    assert sent.reply_markup == KEYBOARD
    (stored,) = fake.messages(CHAT)
    assert (stored.message_id, stored.text, stored.source, stored.parse_mode) == (1, sent.text, html, "HTML")
    assert stored.callback_data == ["again", "next"]
    assert stored.buttons[2]["url"] == "https://example.com/post"


async def test_message_ids_count_per_chat_and_replies_must_exist(bot: Bot, fake: FakeTelegramServer) -> None:
    fake.send_text(CHAT, "hello")  # message 1, from the user
    first = await bot.send_message(CHAT, "one", reply_to_message_id=1)
    other_chat = await bot.send_message(CHAT + 1, "elsewhere")

    assert (first.message_id, other_chat.message_id) == (2, 1)
    assert first.reply_to_message is not None and first.reply_to_message.text == "hello"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(CHAT, "two", reply_to_message_id=99)


async def test_edit_message_text_changes_the_message_and_refuses_a_no_op(
    bot: Bot, fake: FakeTelegramServer
) -> None:
    sent = await bot.send_message(CHAT, "<b>Question</b>", parse_mode="HTML", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text("<b>Answered</b>", CHAT, sent.message_id, parse_mode="HTML")

    assert edited.text == "Answered" and edited.reply_markup is None  # no markup given: keyboard removed
    (stored,) = fake.messages(CHAT)
    assert (stored.text, stored.edits, stored.buttons) == ("Answered", 1, [])
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>Answered</b>", CHAT, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 99)


async def test_edit_reply_markup_and_delete(bot: Bot, fake: FakeTelegramServer) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=KEYBOARD)

    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
    assert await bot.delete_message(CHAT, sent.message_id)

    assert fake.messages(CHAT) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_audio_is_uploaded_once_then_reused_by_file_id(bot: Bot, fake: FakeTelegramServer) -> None:
    audio = b"ID3 fake mp3 bytes"
    first = await bot.send_audio(
        CHAT, audio, filename="ship.mp3", title="ship", caption="<b>ship</b> /ʃɪp/", parse_mode="HTML"
    )

    again = await bot.send_audio(CHAT + 1, first.audio.file_id, caption="again")

    assert (first.caption, first.caption_entities[0].type) == ("ship /ʃɪp/", "bold")
    assert again.audio.file_id == first.audio.file_id
    assert again.audio.file_unique_id == first.audio.file_unique_id
    (upload,) = fake.uploads
    assert (upload.method, upload.chat_id, upload.filename, upload.content) == (
        "sendAudio",
        CHAT,
        "ship.mp3",
        audio,
    )
    assert upload.mime_type == "audio/mpeg" and upload.file_id == first.audio.file_id
    assert [(reuse.method, reuse.chat_id) for reuse in fake.file_reuses] == [("sendAudio", CHAT + 1)]
    assert fake.messages(CHAT)[0].audio["file_name"] == "ship.mp3"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_audio(CHAT, "CQACAgIAAxkBAAIBnotissuedbythisserver")


async def test_document_upload_can_be_downloaded_back(bot: Bot, fake: FakeTelegramServer) -> None:
    sent = await bot.send_document(CHAT, b"lesson text", filename="lesson.txt")

    file = await bot.get_file(sent.document.file_id)

    assert bytes(await file.download_as_bytearray()) == b"lesson text"
    assert fake.messages(CHAT)[0].document["file_name"] == "lesson.txt"


async def test_length_is_measured_after_parsing(bot: Bot, fake: FakeTelegramServer) -> None:
    await bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # 4103 chars of source

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_document(CHAT, b"x", filename="x.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>\n", parse_mode="HTML")
    assert len(fake.messages(CHAT)) == 1 and fake.uploads == []


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>bold", "Can't find end tag corresponding to start tag b"),
        ("<p>para</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href='x'", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_bad_html_is_refused_like_telegram(
    bot: Bot, fake: FakeTelegramServer, html: str, error: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)^can't parse entities: "):
        await bot.send_message(CHAT, html, parse_mode="HTML")

    assert fake.calls[-1].description == f"Bad Request: can't parse entities: {error}"


def test_html_parsing_follows_telegram() -> None:
    parsed = format_text(
        '  <blockquote expandable>Q</blockquote><tg-spoiler>s</tg-spoiler><span class="tg-spoiler">p</span>'
        '<pre><code class="language-python">x</code></pre>&lt;&unknown;&#33;&#x41;  ',
        "HTML",
        None,
    )

    assert parsed.text == "Qspx<&unknown;!A"
    assert [(e["type"], e["offset"], e.get("language")) for e in parsed.entities] == [
        ("expandable_blockquote", 0, None),
        ("spoiler", 1, None),
        ("spoiler", 2, None),
        ("pre", 3, "python"),
    ]


async def test_answer_callback_query_once(bot: Bot, fake: FakeTelegramServer) -> None:
    sent = await bot.send_message(CHAT, "Pick", reply_markup=KEYBOARD)
    fake.press_button(sent.message_id, CHAT, "next")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query

    assert query.data == "next" and query.message.text == "Pick" and query.from_user.id == CHAT
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query.id, text="x" * 201)
    assert await bot.answer_callback_query(query.id, text="Next word")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    assert [answer["text"] for answer in fake.callback_answers] == ["Next word"]
    with pytest.raises(ValueError, match="no button 'nope'"):
        fake.press_button(sent.message_id, CHAT, "nope")


async def test_chat_member_statuses(bot: Bot, fake: FakeTelegramServer) -> None:
    group = -100777
    fake.add_bot_to_group(group, "Builders", by_user_id=7)
    fake.set_member_status(group, 7, "creator")
    fake.set_member_status(group, 8, "administrator")

    statuses = [(await bot.get_chat_member(group, user)).status for user in (7, 8, 9, fake.bot_id)]
    admins = await bot.get_chat_administrators(group)

    assert statuses == ["creator", "administrator", "member", "member"]
    assert sorted(admin.user.id for admin in admins) == [7, 8]
    assert (await bot.get_chat(group)).title == "Builders"
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(CHAT)


async def test_a_blocked_chat_is_forbidden(bot: Bot, fake: FakeTelegramServer) -> None:
    fake.block_chat(CHAT)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hello?")
    with pytest.raises(Forbidden):
        await bot.send_audio(CHAT, b"x", filename="x.mp3")
    assert (await bot.send_message(CHAT + 1, "others still get it")).text == "others still get it"
    assert fake.messages(CHAT) == [] and fake.uploads == []


async def test_fail_next_answers_429_with_retry_after(
    bot: Bot, fake: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else PTB warns about int retry_after when raising RetryAfter
    fake.fail_next("sendMessage", 429, retry_after=7)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHAT, "first try")
    retried = await bot.send_message(CHAT, "second try")

    assert raised.value.retry_after == dtm.timedelta(seconds=7)
    assert retried.text == "second try"
    assert fake.rate_limited_count == 1
    assert fake.calls_to("sendMessage")[0].response["parameters"] == {"retry_after": 7}


async def test_rate_limit_per_chat(
    bot: Bot, fake: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake.rate_limit(per_second_per_chat=1)

    await bot.send_message(CHAT, "one")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHAT, "two")
    await bot.send_message(CHAT + 1, "another chat is not limited")

    assert raised.value.retry_after == dtm.timedelta(seconds=1)
    assert fake.rate_limited_count == 1 and len(fake.messages(CHAT)) == 1


async def test_commands_round_trip_per_scope_and_language(bot: Bot, fake: FakeTelegramServer) -> None:
    default = [BotCommand("start", "Subscribe"), BotCommand("today", "Today's lesson")]
    chinese = [BotCommand("start", "订阅")]
    scope = BotCommandScopeChat(CHAT)

    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(chinese, scope=scope, language_code="zh")

    assert await bot.get_my_commands() == tuple(default)
    assert await bot.get_my_commands(scope=scope, language_code="zh") == tuple(chinese)
    assert await bot.get_my_commands(scope=scope) == ()
    assert await bot.delete_my_commands()
    assert fake.commands() == [] and fake.commands(scope.to_dict(), "zh") == [chinese[0].to_dict()]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "capital letters are not allowed")])


async def test_get_updates_long_polls_and_confirms_by_offset(bot: Bot, fake: FakeTelegramServer) -> None:
    asyncio.get_running_loop().call_later(0.05, fake.send_text, CHAT, "/start")
    started = time.monotonic()

    (update,) = await bot.get_updates(timeout=5)

    assert time.monotonic() - started < 2  # answered when the update came, not after the timeout
    assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update.update_id]  # not confirmed
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


async def test_get_updates_honours_allowed_updates(bot: Bot, fake: FakeTelegramServer) -> None:
    sent = await bot.send_message(CHAT, "Pick", reply_markup=KEYBOARD)
    fake.press_button(sent.message_id, CHAT, "again")
    fake.send_text(CHAT, "hello")

    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])

    assert [update.message.text for update in updates] == ["hello"]
    assert [update["update_id"] for update in fake.pending_updates] == [updates[0].update_id]


async def test_other_clients_may_post_json_and_any_method_case(fake: FakeTelegramServer) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{fake.token}") as client:
        response = await client.post(
            "/SENDMESSAGE", json={"chat_id": CHAT, "text": "<i>hi</i>", "parse_mode": "HTML"}
        )

    assert response.json()["result"]["text"] == "hi"
    assert fake.calls[-1].method == "sendMessage"


async def test_wait_for_times_out_with_the_recent_calls(bot: Bot, fake: FakeTelegramServer) -> None:
    await bot.send_message(CHAT, "hello")

    with pytest.raises(AssertionError, match=r"(?s)'sendVoice'.*sendMessage -> ok"):
        await fake.wait_for("sendVoice", timeout=0.05)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_html(f"Welcome, <b>{update.effective_user.first_name}</b>!")


async def test_a_real_application_polls_and_replies(fake: FakeTelegramServer) -> None:
    application = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        fake.send_text(CHAT, f"/start@{fake.bot_username}", first_name="Lin")

        (reply,) = await fake.wait_for("sendMessage")

        stopping = time.monotonic()
        await application.updater.stop()
        await application.stop()
    assert time.monotonic() - stopping < 1
    assert reply.ok and reply.params["parse_mode"] == "HTML"
    assert [m.text for m in fake.messages(CHAT)] == ["Welcome, Lin!"]
    assert fake.pending_updates == []  # the updater confirmed what it handled on the way out
    assert not [call for call in fake.calls if not call.ok and call.status != 499], _calls(fake.calls)


def _calls(calls: list[Call]) -> str:
    return "\n".join(map(str, calls))


async def test_a_quiz_poll_is_checked_and_stored_as_telegram_would(
    bot: Bot, fake: FakeTelegramServer
) -> None:
    sent = await bot.send_poll(
        42, "engulf?", ["吞没", "建造"], is_anonymous=False, type="quiz", correct_option_ids=[0],
        explanation="吞没",
    )  # fmt: skip
    assert sent.poll is not None and sent.poll.type == "quiz" and sent.poll.correct_option_ids == (0,)
    assert [option.text for option in sent.poll.options] == ["吞没", "建造"] and not sent.poll.is_anonymous
    (stored,) = fake.messages(42)
    assert stored.kind == "poll" and stored.poll is not None and stored.poll["id"] == sent.poll.id
    with pytest.raises(BadRequest, match=r"(?i)quiz_correct_answers_empty"):
        await bot.send_poll(42, "no answer?", ["a", "b"], type="quiz")
    with pytest.raises(BadRequest, match=r"(?i)poll_options_count_invalid|at least 2"):
        await bot.send_poll(42, "one option?", ["a"])
    with pytest.raises(BadRequest, match=r"(?i)poll_question_invalid"):
        await bot.send_poll(42, "q" * 301, ["a", "b"])


def png(width: int, height: int, *, bit_depth: int = 8) -> bytes:
    """A valid greyscale PNG, written by hand: what any decoder, and so the fake, must accept."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes(-(-width * bit_depth // 8))  # filter type 0, then black pixels
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def test_image_size_reads_png_and_jpeg_and_refuses_the_rest() -> None:
    def segment(marker: int, body: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body

    frame = struct.pack(">BHHB", 8, 480, 640, 1) + bytes((1, 0x11, 0))  # 8 bits, 480 high, 640 wide
    jpeg = b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01") + segment(0xC0, frame)
    jpeg += segment(0xDA, bytes((1, 1, 0, 0, 63, 0))) + b"\x00\x00\xff\xd9"

    assert image_size(png(3, 2)) == (3, 2)
    assert image_size(jpeg) == (640, 480)
    assert image_size(png(3, 2)[:-12]) is None  # no IEND: cut short
    assert image_size(png(3, 2).replace(b"IDAT", b"IDAX")) is None  # checksum no longer matches
    assert image_size(b"\xff\xd8\xff\xd9") is None  # a JPEG with no frame
    assert image_size(b"<html>502 Bad Gateway</html>") is None


async def test_photo_is_checked_sized_and_can_be_sent_again(bot: Bot, fake: FakeTelegramServer) -> None:
    picture = png(320, 180)

    sent = await bot.send_photo(CHAT, picture, caption="<b>Progress</b>", parse_mode="HTML", filename="p.png")
    again = await bot.send_photo(CHAT + 1, sent.photo[0].file_id)  # any size sends the whole photo

    assert [(size.width, size.height) for size in sent.photo] == [(90, 51), (320, 180)]
    assert len({size.file_id for size in sent.photo}) == 2
    assert len({size.file_unique_id for size in sent.photo}) == 2
    assert (sent.caption, sent.caption_entities[0].type) == ("Progress", "bold")
    assert again.photo == sent.photo
    (upload,) = fake.uploads
    assert (upload.method, upload.field, upload.file_id) == ("sendPhoto", "photo", sent.photo[-1].file_id)
    assert image_size(upload.content) == (320, 180)
    assert [(reuse.method, reuse.chat_id) for reuse in fake.file_reuses] == [("sendPhoto", CHAT + 1)]
    (stored,) = fake.messages(CHAT)
    assert stored.kind == "photo" and stored.photo is not None and stored.photo[-1]["width"] == 320
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == picture
    assert (await bot.send_photo(CHAT, png(60, 40))).photo[0].width == 60  # fits the thumbnail: one size


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"lesson text", "IMAGE_PROCESS_FAILED"),
        (png(320, 180)[:-30], "IMAGE_PROCESS_FAILED"),  # cut short
        (png(2100, 100), "PHOTO_INVALID_DIMENSIONS"),  # 21:1
        (png(5001, 5000, bit_depth=1), "PHOTO_INVALID_DIMENSIONS"),  # 10001 in all
        (b"\x89PNG" + bytes(10 * 1024 * 1024), "file of size 10485764 bytes is too big for a photo"),
    ],
)
async def test_a_photo_telegram_cannot_take_is_refused(
    bot: Bot, fake: FakeTelegramServer, content: bytes, error: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_photo(CHAT, content)

    assert (fake.calls[-1].description or "").startswith(f"Bad Request: {error}")
    assert fake.messages(CHAT) == [] and fake.uploads == []


async def test_other_clients_may_attach_a_photo_under_any_name(fake: FakeTelegramServer) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{fake.token}") as client:
        response = await client.post(
            "/sendPhoto",
            data={"chat_id": str(CHAT), "photo": "attach://chart"},
            files={"chart": ("chart.png", png(1200, 800), "image/png")},
        )

    photo = response.json()["result"]["photo"]
    assert [(size["width"], size["height"]) for size in photo] == [(90, 60), (1200, 800)]
    assert fake.uploads[0].field == "chart" and fake.uploads[0].filename == "chart.png"


async def test_file_ids_of_photos_and_other_files_do_not_mix(bot: Bot, fake: FakeTelegramServer) -> None:
    document = await bot.send_document(CHAT, png(4, 4), filename="chart.png")
    photo = await bot.send_photo(CHAT, png(4, 4))

    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(CHAT, document.document.file_id)
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Photo as Document"):
        await bot.send_document(CHAT, photo.photo[-1].file_id)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CHAT, "AgACAgIAAxkBAAIBnotissuedbythisserver")


async def test_a_poll_answer_reaches_the_bot_with_the_user_and_no_chat(
    bot: Bot, fake: FakeTelegramServer
) -> None:
    sent = await bot.send_poll(CHAT, "Which word?", ["ship", "engulf", "yield"], is_anonymous=False)

    pushed = fake.answer_poll(CHAT, sent.message_id, [1], first_name="Lin")
    (update,) = await bot.get_updates(timeout=0)

    answer = update.poll_answer
    assert answer is not None and update.update_id == pushed["update_id"]
    assert (answer.poll_id, answer.user.id, answer.option_ids) == (sent.poll.id, CHAT, (1,))
    assert answer.option_persistent_ids == (sent.poll.options[1].persistent_id,)
    assert update.effective_chat is None and update.effective_message is None
    assert update.effective_user is not None and update.effective_user.first_name == "Lin"
    fake.answer_poll(CHAT, sent.message_id, [2])  # a regular poll lets the user change the answer
    assert [option["voter_count"] for option in stored_poll(fake, CHAT, sent.message_id)["options"]] == [
        0,
        0,
        1,
    ]
    fake.answer_poll(CHAT, sent.message_id, [])  # and retract it
    assert stored_poll(fake, CHAT, sent.message_id)["total_voter_count"] == 0
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert answers(updates) == [(CHAT, (2,)), (CHAT, ())]
    with pytest.raises(ValueError, match="OPTION_INVALID"):
        fake.answer_poll(CHAT, sent.message_id, [3])
    with pytest.raises(ValueError, match="OPTIONS_TOO_MUCH"):
        fake.answer_poll(CHAT, sent.message_id, [0, 1])
    several = await bot.send_poll(
        CHAT, "Which?", ["a", "b", "c"], is_anonymous=False, allows_multiple_answers=True
    )
    fake.answer_poll(CHAT, several.message_id, [0, 2])
    assert stored_poll(fake, CHAT, several.message_id)["total_voter_count"] == 1


def stored_poll(fake: FakeTelegramServer, chat_id: int, message_id: int) -> dict[str, Any]:
    stored = fake.message(chat_id, message_id)
    assert stored is not None and stored.poll is not None
    return stored.poll


def answers(updates: tuple[Update, ...]) -> list[tuple[int, tuple[int, ...]]]:
    """(user id, option ids) of each poll_answer update."""
    found = [update.poll_answer for update in updates]
    return [(a.user.id, a.option_ids) for a in found if a is not None and a.user is not None]


async def test_an_anonymous_poll_gives_the_bot_no_answer_to_wait_for(
    bot: Bot, fake: FakeTelegramServer
) -> None:
    sent = await bot.send_poll(CHAT, "Which word?", ["ship", "engulf"])
    text = await bot.send_message(CHAT, "not a poll")

    with pytest.raises(ValueError, match="anonymous"):
        fake.answer_poll(CHAT, sent.message_id, [0])
    with pytest.raises(ValueError, match="not a poll"):
        fake.answer_poll(CHAT, text.message_id, [0])
    assert fake.pending_updates == []


async def test_poll_answers_follow_allowed_updates(bot: Bot, fake: FakeTelegramServer) -> None:
    sent = await bot.send_poll(CHAT, "Which word?", ["ship", "engulf"], is_anonymous=False)
    fake.answer_poll(CHAT, sent.message_id, [0])

    assert await bot.get_updates(timeout=0, allowed_updates=["message"]) == ()
    assert fake.pending_updates == []  # dropped, as Telegram drops what the bot did not ask for
    fake.answer_poll(CHAT, sent.message_id, [1])
    (update,) = await bot.get_updates(timeout=0, allowed_updates=[])  # empty: back to the default set
    assert update.poll_answer is not None and update.poll_answer.option_ids == (1,)


async def test_a_quiz_answer_is_final_and_stop_poll_closes_it(bot: Bot, fake: FakeTelegramServer) -> None:
    group = -100777
    quiz = await bot.send_poll(
        group, "engulf?", ["吞没", "建造"], is_anonymous=False, type="quiz", correct_option_ids=[0]
    )
    fake.answer_poll(group, quiz.message_id, [0], user_id=7)
    fake.answer_poll(group, quiz.message_id, [1], user_id=8)

    with pytest.raises(ValueError, match="REVOTE_NOT_ALLOWED"):
        fake.answer_poll(group, quiz.message_id, [1], user_id=7)
    stopped = await bot.stop_poll(group, quiz.message_id)

    assert stopped.is_closed and stopped.id == quiz.poll.id and stopped.total_voter_count == 2
    assert [option.voter_count for option in stopped.options] == [1, 1]
    assert answers(await bot.get_updates(timeout=0)) == [(7, (0,)), (8, (1,))]
    assert stored_poll(fake, group, quiz.message_id)["is_closed"]
    with pytest.raises(ValueError, match="closed"):
        fake.answer_poll(group, quiz.message_id, [0], user_id=9)
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await bot.stop_poll(group, quiz.message_id)
    text = await bot.send_message(group, "not a poll")
    with pytest.raises(BadRequest, match=r"(?i)message is not a poll"):
        await bot.stop_poll(group, text.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message with poll to stop not found"):
        await bot.stop_poll(group, 99)


# --- Webhooks ---------------------------------------------------------------------------------------------


class WebhookReceiver:
    """A bot's webhook endpoint on loopback: records each request and answers with `statuses`
    in turn (then 200), after `delay` seconds."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.requests: list[tuple[dict[str, Any], str | None]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
            self.requests.append((await request.json(), secret))
            await asyncio.sleep(self.delay)
            return web.Response(status=self.statuses.pop(0) if self.statuses else 200)
        finally:
            self.in_flight -= 1


async def test_set_webhook_checks_the_url_and_the_secret_as_telegram_does(bot: Bot) -> None:
    assert (await bot.get_webhook_info()).url == ""
    with pytest.raises(BadRequest, match=r"(?i)An HTTPS URL must be provided for webhook"):
        await bot.set_webhook("http://bot.example.com/hook")
    with pytest.raises(BadRequest, match=r"(?i)Webhook can be set up only on ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://bot.example.com:8080/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await bot.set_webhook("https://bot.example.com/hook", secret_token="a+b/c=")
    with pytest.raises(BadRequest, match=r"(?i)secret token is too long"):
        await bot.set_webhook("https://bot.example.com/hook", secret_token="a" * 257)
    assert (await bot.get_webhook_info()).url == "", "nothing was set"
    hook = "https://bot.example.com:8443/hook"
    assert await bot.set_webhook(hook, secret_token="A-z_09", max_connections=500)
    info = await bot.get_webhook_info()
    assert (info.url, info.max_connections, info.has_custom_certificate) == (hook, 100, False)


async def test_a_webhook_gets_each_update_with_the_secret_until_it_answers_2xx(
    bot: Bot, fake: FakeTelegramServer
) -> None:
    fake.webhook_retry_delay = 0.05
    async with WebhookReceiver(statuses=[503]) as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cret", allowed_updates=["message"])
        sent = fake.send_text(CHAT, "/today")
        await fake.wait_confirmed(sent["update_id"])
        info = await bot.get_webhook_info()

    assert [update["update_id"] for update, _ in receiver.requests] == [sent["update_id"]] * 2
    assert {secret for _, secret in receiver.requests} == {"s3cret"}
    assert receiver.requests[0][0]["message"]["text"] == "/today"
    assert [(d.status, d.ok) for d in fake.webhook_deliveries] == [(503, False), (200, True)]
    assert fake.pending_updates == [] and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
    assert info.last_error_date is not None and info.allowed_updates == ("message",)


async def test_get_updates_is_refused_while_a_webhook_is_set(bot: Bot, fake: FakeTelegramServer) -> None:
    await bot.set_webhook("https://bot.example.com/hook")
    fake.send_text(CHAT, "hello")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    deliveries = await fake.wait_for_deliveries(lambda delivery: True)
    assert deliveries[0].status == 0, "only loopback URLs are delivered to: tests never touch the internet"
    assert "loopback" in ((await bot.get_webhook_info()).last_error_message or "")

    assert await bot.delete_webhook()
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "hello", "kept for getUpdates"
    assert fake.webhook_url == ""


async def test_a_webhook_gets_at_most_max_connections_at_once(bot: Bot, fake: FakeTelegramServer) -> None:
    async with WebhookReceiver(delay=0.1) as receiver:
        await bot.set_webhook(receiver.url, max_connections=2)
        updates = [fake.send_text(CHAT, f"message {n}") for n in range(6)]
        for update in updates:
            await fake.wait_confirmed(update["update_id"])

    assert sorted(update["update_id"] for update, _ in receiver.requests) == [u["update_id"] for u in updates]
    assert receiver.most_in_flight == 2
    assert receiver.requests[0][1] is None, "no secret_token set: no header"

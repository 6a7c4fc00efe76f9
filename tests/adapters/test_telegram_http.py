"""PTB's Bot over our aiohttp request class, against the fake Bot API: bodies, uploads, and failures
arriving as PTB's own errors (the adapter and the push translate those, nothing else)."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from bot.adapters.telegram_http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegramServer

CHAT = 777


def bot_for(url: str, token: str, **timeouts: float) -> Bot:
    return Bot(token, base_url=f"{url}/bot", request=AiohttpRequest(4, **timeouts))


async def test_json_bodies_carry_text_markup_and_unicode() -> None:
    async with FakeTelegramServer() as fake, bot_for(fake.url, fake.token) as bot:
        message = await bot.send_message(CHAT, "<b>吞没</b> engulfed ✓", parse_mode="HTML")

        (sent,) = fake.messages(CHAT)
        assert sent.text == "吞没 engulfed ✓" and message.message_id == sent.message_id
        assert [e["type"] for e in sent.entities] == ["bold"]


async def test_uploads_go_as_multipart_with_their_file_name() -> None:
    async with FakeTelegramServer() as fake, bot_for(fake.url, fake.token) as bot:
        data = "单词,word\n吞没,engulf\n".encode()
        await bot.send_document(CHAT, InputFile(data, filename="生词本.csv"), caption="生词本")

        (upload,) = fake.uploads
        assert upload.file.content == data and upload.file.filename == "生词本.csv"
        assert fake.messages(CHAT)[0].caption == "生词本"


async def test_a_slow_answer_is_ptbs_timed_out() -> None:
    async with FakeTelegramServer() as fake, bot_for(fake.url, fake.token, read_timeout=0.2) as bot:
        fake.slow_chat(CHAT, 2)
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "hello")


async def test_a_refused_connection_is_ptbs_network_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")
    finally:
        await request.shutdown()


async def test_a_request_before_initialize_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest(1).do_request("http://127.0.0.1:9/x", "POST")

"""`/audio/<lesson>/<card>.mp3` and `/audio/<lesson>/all.mp3`: the page plays the very file the
chat's 🔊 and 全文 send (one synthesis for both), with the headers an <audio> element needs to seek;
an unknown sound is a 404 and a silent voice a 503 in Chinese. The voice is the real gTTS library
against the local fake of Google's endpoint (tests/fakes/gtts_server.py); nothing leaves 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.clock import local_date
from bot.core.conversation import Conversation
from bot.core.messages import Audio
from bot.core.shelf import lesson_key
from bot.core.turn import Services
from bot.web.reader.audio import NO_VOICE, card_audio_url, lesson_audio_url
from lessons.audio import AudioConfig, Synthesizer
from lessons.catalog import Catalog
from lessons.deck import Deck, DeckBuilder
from tests.chat_support import MORNING
from tests.core.fake_platform import FakeChat
from tests.fakes.gtts_server import FakeGTTSServer, fake_speech, unreachable_url
from tests.web.reader.lesson_support import Client, reader_client, shelf_services

pytestmark = pytest.mark.database_incidental


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS passes the environment's proxies to requests explicitly (ignoring NO_PROXY); keep it local."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeGTTSServer]:
    with FakeGTTSServer() as server:
        yield server


@pytest.fixture
def voiced(
    catalog: Catalog,
    builder: DeckBuilder,
    sessions: Callable[[], Session],
    tmp_path: Path,
    fake: FakeGTTSServer,
) -> Services:
    """Services whose voice is gTTS through the fake, caching in this test's own folder."""
    config = AudioConfig(cache_dir=tmp_path / "audio", gtts_base_url=fake.url, timeout=5, offline_voice=None)
    return shelf_services(catalog, builder, sessions, Synthesizer(config), MORNING)


@pytest.fixture
async def client(voiced: Services) -> AsyncIterator[Client]:
    async with reader_client(voiced) as test_client:
        yield test_client


async def chat_audio(services: Services, *presses: str) -> Audio:
    """The audio a private chat gets for /today and then pressing `presses`, in order."""
    chat = FakeChat(Conversation(services))
    await chat.say("/today")
    replies = []
    for label in presses:
        replies = await chat.press(label)
    [audio] = [reply.audio for reply in replies if reply.audio is not None]
    return audio


async def test_a_card_plays_the_file_the_chats_speaker_button_sent(
    client: Client, voiced: Services, fake: FakeGTTSServer
) -> None:
    spoken = await chat_audio(voiced, "🔊")
    lesson_id = todays(voiced)
    card = todays_deck(voiced).cards[0]

    response = await client.get(card_audio_url(lesson_id, 1))

    assert response.status == 200
    assert await response.read() == spoken.path.read_bytes() == fake_speech(card.en, False)
    assert [request.text for request in fake.requests] == [card.en]  # synthesized once, for both
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Cache-Control"] == "public, max-age=86400"


async def test_the_whole_text_is_the_file_the_chats_full_text_button_sent(
    client: Client, voiced: Services, fake: FakeGTTSServer
) -> None:
    spoken = await chat_audio(voiced, "全文")
    asked = len(fake.requests)

    response = await client.get(lesson_audio_url(todays(voiced)))

    assert response.status == 200
    assert await response.read() == spoken.path.read_bytes()
    assert len(fake.requests) == asked  # the page found the chat's file in the cache


async def test_a_card_nobody_played_yet_is_synthesized_and_then_cached(
    client: Client, voiced: Services, fake: FakeGTTSServer
) -> None:
    lesson_id = todays(voiced)
    last = todays_deck(voiced).cards[-1]

    first = await client.get(card_audio_url(lesson_id, last.number))
    again = await client.get(card_audio_url(lesson_id, last.number))

    assert (first.status, again.status) == (200, 200)
    assert await first.read() == await again.read() == fake_speech(last.en, False)
    assert [request.text for request in fake.requests] == [last.en]


async def test_a_sound_gone_from_the_cache_is_made_again(
    client: Client, voiced: Services, fake: FakeGTTSServer, tmp_path: Path
) -> None:
    url = card_audio_url(todays(voiced), 1)
    assert (await client.get(url)).status == 200
    for made in (tmp_path / "audio").glob("*.mp3"):
        made.unlink()

    response = await client.get(url)

    assert response.status == 200 and len(await response.read()) > 0
    assert len(fake.requests) == 2


async def test_range_requests_let_the_player_seek(client: Client, voiced: Services) -> None:
    url = lesson_audio_url(todays(voiced))
    whole = await (await client.get(url)).read()

    part = await client.get(url, headers={"Range": "bytes=100-199"})

    assert part.status == 206
    assert await part.read() == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"


async def test_head_answers_without_a_body(client: Client, voiced: Services) -> None:
    url = card_audio_url(todays(voiced), 2)
    size = len(await (await client.get(url)).read())

    response = await client.head(url)

    assert response.status == 200
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert int(response.headers["Content-Length"]) == size
    assert await response.read() == b""


async def test_an_unknown_lesson_or_card_is_a_404(
    client: Client, voiced: Services, fake: FakeGTTSServer
) -> None:
    key = lesson_key(todays(voiced))
    cards = len(todays_deck(voiced).cards)
    for path in (
        f"/audio/{key}/0.mp3",
        f"/audio/{key}/{cards + 1}.mp3",
        f"/audio/{key}/one.mp3",
        f"/audio/{key}/-1.mp3",
        f"/audio/{key}/99999999.mp3",
        "/audio/x-no-such-lesson/1.mp3",
        "/audio/x-no-such-lesson/all.mp3",
    ):
        response = await client.get(path)

        assert response.status == 404, path
        assert "没有这段音频" in await response.text()
    assert fake.requests == []


async def test_no_voice_is_a_503_in_chinese(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session], tmp_path: Path
) -> None:
    """gTTS unreachable and no offline voice: nothing to play, and the page says so."""
    config = AudioConfig(
        cache_dir=tmp_path / "audio", gtts_base_url=unreachable_url(), timeout=2, offline_voice=None
    )
    services = shelf_services(catalog, builder, sessions, Synthesizer(config), MORNING)
    async with reader_client(services) as client:
        response = await client.get(card_audio_url(todays(services), 1))
        text = await response.text()

    assert response.status == 503
    assert text == NO_VOICE
    assert "Retry-After" in response.headers


def todays(services: Services) -> str:
    """The id of the lesson /today opens at MORNING in the default timezone."""
    day = services.shelf.day(local_date(services.clock, services.defaults.timezone))
    assert day is not None
    return day.lesson.id


def todays_deck(services: Services) -> Deck:
    return services.shelf.deck(services.shelf.catalog.lesson(todays(services)))


async def test_a_lesson_still_to_come_is_not_spoken_early(
    client: Client, voiced: Services, fake: FakeGTTSServer
) -> None:
    """Its key can be guessed from the post's address; its sound waits for its day, as its page does."""
    shelf = voiced.shelf
    today = local_date(voiced.clock, voiced.defaults.timezone)
    to_come = next(
        day.lesson
        for offset in range(2, 40)
        if (day := shelf.day(today + dt.timedelta(days=offset))) is not None
        and day.lesson.id not in {past.lesson.id for past in shelf.archive(today + dt.timedelta(days=1))}
    )
    for name in ("1", "all"):
        response = await client.get(f"/audio/{lesson_key(to_come.id)}/{name}.mp3")
        assert response.status == 404 and "没有这段音频" in await response.text()
    assert fake.requests == []
    assert (await client.get(f"/audio/{lesson_key(todays(voiced))}/1.mp3")).status == 200

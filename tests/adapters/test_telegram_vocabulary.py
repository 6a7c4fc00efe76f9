"""The vocabulary book end to end: python-telegram-bot polling the local fake Bot API, bundled library.

Covers what issue 7 asks to see: saving from a reply, from ⭐ and with no context;
re-saving merges; /words paging; /forget with its undo; /export sending a CSV and an
Anki package that opens as an Anki collection; every kind of bad input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.core.turn import Services
from bot.storage.tables import WordContext
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import USER, RunningBot, running_bot
from tests.fakes.telegram_api import SentMessage

Sessions = Callable[[], Session]
TODAY_LESSON = "x-1795864908338442609"
TODAY_SOURCE = "https://x.com/karpathy/status/1795864908338442609"


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the module's tests: the offline voice speaks each sentence once."""
    return tmp_path_factory.mktemp("audio")


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder, audio_dir: Path) -> Services:
    catalog = chat_support.bundled_catalog(tmp_path)
    return chat_support.services(catalog, builder, sessions, audio_dir)


def book(sessions: Sessions) -> dict[str, list[WordContext]]:
    """Lemma → contexts of every entry the test user has (forgotten ones too)."""
    return chat_support.book_contexts(sessions, platform="telegram", user_id=str(USER))


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def latest(bot: RunningBot) -> SentMessage:
    return bot.fake.messages(USER)[-1]


async def card(bot: RunningBot, number: int) -> SentMessage:
    """Today's card `number`, shown by /today and ▶ (the same message, edited)."""
    shown: SentMessage | None = (await bot.say("/today"))[-1]
    for _ in range(number - 1):
        assert shown is not None
        await bot.press(shown, "下一句 ▶")
        shown = bot.fake.message(USER, shown.message_id)
    assert shown is not None and f"【{number}/" in (shown.text or "")
    return shown


async def test_save_in_reply_to_a_card(services: Services, sessions: Sessions) -> None:
    async with running_bot(services) as bot:
        shown = await card(bot, 5)
        answer = (await bot.say("/save weights", reply_to_message_id=shown.message_id))[-1]
    assert "⭐ 已收藏 weight" in (answer.text or "") and "（原文 weights）" in (answer.text or "")
    (context,) = book(sessions)["weight"]
    assert (context.form, context.card_number, context.lesson_id) == ("weights", 5, TODAY_LESSON)
    assert context.author == "Andrej Karpathy" and context.source_url == TODAY_SOURCE
    assert context.sentence_en.startswith("In addition") and context.sentence_zh


async def test_star_lists_the_key_words_and_a_press_saves_one(services: Services, sessions: Sessions) -> None:
    async with running_bot(services) as bot:
        shown = await card(bot, 5)
        assert labels(shown) == ["◀ 上一句", "🔊", "下一句 ▶", "全文", "⭐ 收藏"]
        assert all(len(data.encode()) <= 64 for data in shown.callback_data)
        await bot.press(shown, "⭐ 收藏")
        picker = latest(bot)
        assert picker.message_id != shown.message_id and "收藏第 5 句的哪个词" in (picker.text or "")
        assert labels(picker) == ["addition", "disable", "batch", "全部收藏", "🔊"]
        await bot.press(picker, "batch")
        edited = bot.fake.message(USER, picker.message_id)
        assert edited is not None and edited.edits == 1 and "✅ batch" in labels(edited)
        assert bot.fake.callback_answers[-1]["text"].startswith("⭐ 已收藏 batch")
    (context,) = book(sessions)["batch"]
    assert context.card_number == 5


async def test_save_with_no_context_uses_the_dictionary_and_the_latest_card(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        answer = (await bot.say("/save engulfed persistent"))[-1]
    assert "⭐ 已收藏 engulf" in (answer.text or "") and "⭐ 已收藏 persistent" in (answer.text or "")
    saved = book(sessions)
    (engulf,) = saved["engulf"]
    assert engulf.form == "engulfed" and engulf.sentence_en is None, "in no lesson: the dictionary entry only"
    (persistent,) = saved["persistent"]
    assert persistent.lesson_id == "x-1787275368723845419" and persistent.card_number == 1


async def test_saving_again_merges_the_new_sentence(services: Services, sessions: Sessions) -> None:
    async with running_bot(services) as bot:
        shown = await card(bot, 3)
        await bot.say("/save batch", reply_to_message_id=shown.message_id)
        await bot.press(shown, "下一句 ▶")
        shown = next(m for m in bot.fake.messages(USER) if m.message_id == shown.message_id)
        await bot.press(shown, "下一句 ▶")  # card 4 asks about -r 1; card 5 has "batch" again
        merged = (await bot.say("/save batch", reply_to_message_id=shown.message_id))[-1]
        again = (await bot.say("/save batch", reply_to_message_id=shown.message_id))[-1]
    assert "加上了这个新例句（共 2 句）" in (merged.text or "")
    assert "这个例句也收过了" in (again.text or "")
    assert list(book(sessions)) == ["batch"]
    assert sorted(c.card_number for c in book(sessions)["batch"]) == [3, 5]


async def test_words_pages_with_buttons_that_edit_the_message(services: Services) -> None:
    clock = services.clock
    async with running_bot(services) as bot:
        for word in ["batch", "increase", "persistent", "weights", "disable", "addition", "moat"]:
            clock.advance(dt.timedelta(minutes=1))  # type: ignore[attr-defined]
            await bot.say(f"/save {word}")
        page = (await bot.say("/words"))[-1]
        assert "共 7 个 · 第 1/2 页" in (page.text or "") and "moat" in (page.text or "")
        assert "batch" not in (page.text or "") and labels(page) == ["下一页 ▶"]
        await bot.press(page, "下一页 ▶")
        second = bot.fake.message(USER, page.message_id)
        assert second is not None and "第 2/2 页" in (second.text or "") and "batch" in (second.text or "")
        assert labels(second) == ["◀ 上一页"]
        one = (await bot.say("/words batch"))[-1]
    assert "📒 batch" in (one.text or "") and "例句（1）" in (one.text or "")


async def test_forget_with_undo_and_an_expired_undo(services: Services, sessions: Sessions) -> None:
    clock = services.clock
    async with running_bot(services) as bot:
        await bot.say("/save weights batch")
        forgotten = (await bot.say("/forget weights"))[-1]
        assert "已从生词本删除 weight" in (forgotten.text or "") and labels(forgotten) == ["↩️ 撤销"]
        await bot.press(forgotten, "↩️ 撤销")
        restored = bot.fake.message(USER, forgotten.message_id)
        assert restored is not None and "回到生词本了" in (restored.text or "") and restored.buttons == []
        late = (await bot.say("/forget batch"))[-1]
        clock.advance(dt.timedelta(seconds=61))  # type: ignore[attr-defined]
        await bot.press(late, "↩️ 撤销")
        assert "撤销已过期" in bot.fake.callback_answers[-1]["text"]
        unchanged = bot.fake.message(USER, late.message_id)
        assert unchanged is not None and unchanged.edits == 0
        page = (await bot.say("/words"))[-1]
    assert "weight" in (page.text or "") and "batch" not in (page.text or "")


@pytest.mark.filterwarnings("error::UserWarning")  # genanki warns about fields Anki would mangle
async def test_export_sends_a_csv_and_an_anki_package_that_opens(services: Services, tmp_path: Path) -> None:
    async with running_bot(services) as bot:
        empty = (await bot.say("/export"))[-1]
        assert "生词本还是空的" in (empty.text or "")
        shown = await card(bot, 5)
        await bot.say('/save weights "master weights"', reply_to_message_id=shown.message_id)
        await bot.say("/save engulfed")
        await bot.say("/export")
        documents = [m for m in bot.fake.messages(USER) if m.kind == "document"]
        uploads = {upload.filename: upload.content for upload in bot.fake.uploads if upload.filename}
    assert [d.document["file_name"] for d in documents] == [
        "buildspeak-words-2026-11-22.csv",
        "buildspeak-words-2026-11-22.apkg",
    ]
    assert "Anki" in (documents[1].caption or "")
    rows = list(csv.reader(io.StringIO(uploads["buildspeak-words-2026-11-22.csv"].decode("utf-8-sig"))))
    assert rows[0][:3] == ["单词 word", "音标 phonetic", "释义 gloss"]
    by_word = {row[0]: row for row in rows[1:]}
    assert set(by_word) == {"weight", "master weights", "engulf"}
    assert by_word["weight"][4].startswith("In addition") and by_word["weight"][7] == TODAY_SOURCE
    assert by_word["engulf"][2] == "vt. 卷入, 吸进, 吞没" and by_word["engulf"][4] == ""

    package = tmp_path / "words.apkg"
    package.write_bytes(uploads["buildspeak-words-2026-11-22.apkg"])
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        collection = next(name for name in ("collection.anki21", "collection.anki2") if name in names)
        (tmp_path / "collection").write_bytes(archive.read(collection))
        media = json.loads(archive.read("media"))
        assert media and all(archive.read(number) for number in media), "every media file is in the zip"
    database = sqlite3.connect(tmp_path / "collection")
    try:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        notes = [flds.split("\x1f") for (flds,) in database.execute("SELECT flds FROM notes")]
        cards = database.execute("SELECT count(*) FROM cards").fetchone()[0]
    finally:
        database.close()
    assert len(notes) == 3 and cards == 3
    weight = next(fields for fields in notes if fields[0] == "weight")
    assert '<b class="target">weights</b>' in weight[1] and weight[2].startswith("[sound:buildspeak-")
    assert weight[2][len("[sound:") : -1] in media.values(), "the card's audio is in the package"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/save", "用法：/save 单词"),
        ("/save " + "x" * 500, "太长了"),
        ("/save ...?!", "里没有英文单词"),
        ("/save 🤯🚀", "里没有英文单词"),
        ("/save https://karpathy.ai/blog", "链接不是单词"),
        ("/save 吞没", "生词本只收英文单词（English words only）"),
        ("/forget https://karpathy.ai/blog", "请写出要删除的英文单词，例如 /forget engulf。什么都没有删除。"),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_saves_nothing(
    services: Services, sessions: Sessions, text: str, expected: str
) -> None:
    async with running_bot(services) as bot:
        answer = (await bot.say(text))[-1]
    assert expected in (answer.text or "")
    assert "你是想收藏" not in (answer.text or "") and labels(answer) == [], "a refusal, not a suggestion"
    assert book(sessions) == {}


async def test_chinese_in_reply_to_a_card_suggests_the_english_and_saves_nothing(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        shown = await card(bot, 5)
        answer = (await bot.say("/save 禁用", reply_to_message_id=shown.message_id))[-1]
        assert "你是想收藏下面的词吗" in (answer.text or "") and labels(answer) == ["⭐ disable"]
        assert "English words only" not in (answer.text or ""), "a suggestion, not the refusal"
        assert book(sessions) == {}
        await bot.press(answer, "⭐ disable")
    assert set(book(sessions)) == {"disable"}

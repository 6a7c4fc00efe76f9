"""The vocabulary book through the core: /save (reply, ⭐, typed), /words, /forget with undo, /export."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core import texts, vocabulary, vocabulary_export
from bot.core import vocabulary_view as view
from bot.core.actions import Action
from bot.core.commands import default_commands
from bot.core.lesson_view import card_buttons
from bot.core.messages import Audio, ChatKind, Reply
from bot.core.turn import Services
from bot.core.word_finder import pickable
from bot.learning.export import ExportContext, ExportEntry
from bot.storage import vocabulary_book as book
from bot.storage.learners import find_learner
from bot.storage.tables import SavedWord, WordContext
from tests import chat_support
from tests.core.fake_platform import FakeChat

Sessions = Callable[[], Session]


def me(session: Session) -> dict[str, int]:
    """The test person's learner, as the vocabulary book's functions take it."""
    learner = find_learner(session, platform="fake", user_id="1001")
    assert learner is not None and learner.id is not None
    return {"learner_id": learner.id}


TODAY_SOURCE = "https://x.com/karpathy/status/1795864908338442609"


def labels(reply: Reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


def saved(sessions: Sessions) -> dict[str, list[WordContext]]:
    """Lemma → its contexts, for every entry (forgotten ones too) of the test person."""
    return chat_support.book_contexts(sessions, platform="fake", user_id="1001")


async def open_card(chat: FakeChat, number: int, lesson: int | None = None) -> None:
    """Show card `number` of day `lesson` (today by default) as the latest message."""
    await chat.say(f"/lesson {lesson}" if lesson else "/today")
    for _ in range(number - 1):
        await chat.press("下一句 ▶")


# --- /save as a reply to a card ---------------------------------------------------------------


async def test_save_in_reply_to_a_card_files_the_lemma_with_the_card_as_context(
    chat: FakeChat, sessions: Sessions
) -> None:
    await open_card(chat, 5)
    await chat.say("/save weights", reply_to=-1)
    assert "⭐ 已收藏 weight" in chat.text and "（原文 weights）" in chat.text
    assert "例句：In addition, yesterday I ran a test" in chat.text
    (context,) = saved(sessions)["weight"]
    assert context.form == "weights" and context.card_number == 5
    assert context.sentence_en.startswith("In addition") and "主权重" in (context.sentence_zh or "")
    assert (context.lesson_id, context.author, context.source_url) == (
        "x-1795864908338442609",
        "Andrej Karpathy",
        TODAY_SOURCE,
    )
    assert context.saved_at == dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
    with chat.conversation.services.sessions() as session:
        (word,) = session.exec(select(SavedWord)).all()
    assert word.phonetic == "weit" and word.gloss.startswith("n. 权重")


async def test_a_word_not_on_the_replied_card_is_taken_from_its_lesson(
    chat: FakeChat, sessions: Sessions
) -> None:
    await open_card(chat, 5)
    await chat.say("/save persistent", reply_to=-1)
    (context,) = saved(sessions)["persistent"]
    assert context.lesson_id == "x-1787275368723845419" and context.card_number == 1, "yesterday's card"


async def test_save_several_words_and_a_quoted_phrase_at_once(chat: FakeChat, sessions: Sessions) -> None:
    await open_card(chat, 5)
    await chat.say('/save batch, increase "master weights"', reply_to=-1)
    book_now = saved(sessions)
    assert set(book_now) == {"batch", "increase", "master weights"}
    assert book_now["master weights"][0].card_number == 5
    assert chat.text.count("⭐ 已收藏") == 3


async def test_saving_again_adds_the_new_sentence_instead_of_a_duplicate(
    chat: FakeChat, sessions: Sessions
) -> None:
    await open_card(chat, 3)
    await chat.say("/save batch", reply_to=-1)
    await chat.press("下一句 ▶", message=-2)  # the card is the message before the save's answer
    await chat.press("下一句 ▶", message=-2)  # card 4 asks about -r 1; card 5 has "batch" again
    await chat.say("/save batch", reply_to=-2)
    assert "已在生词本里，加上了这个新例句（共 2 句）" in chat.text
    await chat.say("/save batch", reply_to=-3)
    assert "这个例句也收过了" in chat.text
    assert [c.card_number for c in saved(sessions)["batch"]] == [3, 5]


async def test_saving_a_saved_word_again_without_a_sentence_does_not_mention_one(chat: FakeChat) -> None:
    await chat.say("/save engulfed")
    await chat.say("/save engulfed")
    assert "✅ engulf" in chat.text and "已在生词本里了。" in chat.text
    assert "例句" not in chat.text


async def test_save_with_no_word_in_reply_to_a_card_offers_its_key_words(
    chat: FakeChat, sessions: Sessions
) -> None:
    await open_card(chat, 5)
    await chat.say("/save", reply_to=-1)
    assert "收藏第 5 句的哪个词" in chat.text
    assert labels(chat.last) == ["addition", "disable", "batch", "全部收藏", "🔊"]
    assert saved(sessions) == {}
    await chat.press("disable")
    assert chat.notices[-1].startswith("⭐ 已收藏 disable")
    assert labels(chat.last)[:3] == ["addition", "✅ disable", "batch"], "the list is edited, ticked"
    await chat.press("全部收藏")
    assert chat.notices[-1].startswith("⭐ 收藏了 3 个词")
    assert set(saved(sessions)) == {"addition", "disable", "batch"}
    assert all(len(contexts) == 1 for contexts in saved(sessions).values()), "disable was not added twice"


async def test_a_reply_to_the_word_list_is_about_its_card(chat: FakeChat, sessions: Sessions) -> None:
    await open_card(chat, 5)
    await chat.press("⭐ 收藏")
    await chat.say("/save weights", reply_to=-1)
    assert saved(sessions)["weight"][0].card_number == 5


# --- ⭐ on a card ---------------------------------------------------------------------------------


async def test_star_lists_the_cards_words_and_a_press_saves_one(chat: FakeChat, sessions: Sessions) -> None:
    await open_card(chat, 2, lesson=20)
    card = len(chat.shown) - 1
    await chat.press("⭐ 收藏")
    assert len(chat.shown) == card + 2, "a new message; the card stays as it was"
    assert labels(chat.last) == ["prediction", "info", "distillation", "全部收藏", "🔊"]
    assert "distillation /.disti'leiʃən/ n. 蒸馏（原文 distillations）" in chat.text
    await chat.press("distillation")
    (context,) = saved(sessions)["distillation"]
    assert context.form == "distillations" and context.card_number == 2
    await chat.press("✅ distillation")
    assert chat.notices[-1] == "✅ distillation 已经在生词本里了。"
    assert len(saved(sessions)["distillation"]) == 1


async def test_star_saves_a_builder_expression_under_its_phrase_with_its_note(
    chat: FakeChat, sessions: Sessions
) -> None:
    await open_card(chat, 3, lesson=8)
    await chat.press("⭐ 收藏")
    assert "💡 bells and whistles" in chat.text
    await chat.press("bells and whistles")
    (context,) = saved(sessions)["bells and whistles"]
    assert context.card_number == 3
    with chat.conversation.services.sessions() as session:
        entry = book.find_entry(session, **me(session), lemma="bells and whistles")
    assert (
        entry is not None and entry.gloss and entry.expression and entry.expression.startswith("习语 idiom")
    )


async def test_star_on_a_card_without_key_words_explains_and_sends_nothing(chat: FakeChat) -> None:
    await open_card(chat, 1)
    shown = len(chat.shown)
    await chat.press("⭐ 收藏")
    assert len(chat.shown) == shown and "/save" in chat.notices[-1]


async def test_a_star_for_a_lesson_no_longer_there_says_so(chat: FakeChat) -> None:
    replies = await chat.conversation.handle(
        chat._incoming(action=Action("st", ("gone-lesson", "1")).encode())
    )
    assert replies[0].notice == "这张卡片已经不在课程库里了。"


async def press_payload(chat: FakeChat, payload: str) -> list[Reply]:
    """Press a button made by hand: an old message's, or one a client forged."""
    return await chat.conversation.handle(chat._incoming(action=payload))


async def picker_payloads(chat: FakeChat) -> dict[str, str]:
    """Card 5's ⭐ list, label → payload."""
    await open_card(chat, 5)
    await chat.press("⭐ 收藏")
    return {button.label: button.action or "" for row in chat.last.buttons for button in row}


async def test_a_word_button_for_a_lesson_no_longer_there_says_so(chat: FakeChat, sessions: Sessions) -> None:
    replies = await press_payload(chat, "sp:gone-lesson:4:0:abcd")
    assert replies[0].notice == view.STALE_CARD and saved(sessions) == {}


async def test_an_old_word_button_whose_card_changed_saves_nothing_and_asks_for_a_new_list(
    chat: FakeChat, sessions: Sessions
) -> None:
    """Buttons pick by position: the button for card 5's "disable" (index 1) pressed when card 3
    stands there plays a card whose words changed; it must not save card 3's word at index 1."""
    disable = (await picker_payloads(chat))["disable"]
    verb, key, _, index, tag = disable.split(":")
    changed = [
        ":".join((verb, key, "3", index, tag)),  # another word at that place now
        ":".join((verb, key, "5", "99", view.words_tag([]))),  # no word at that place any more
        ":".join((verb, key, "5", index, "0000")),  # the tag of other words
        ":".join((verb, key, "5", index)),  # made before buttons had a tag
        ":".join((verb, key, "5", "x", tag)),
    ]
    for payload in changed:
        replies = await press_payload(chat, payload)
        assert [reply.notice for reply in replies] == ["这张卡片的词表已更新，请重新点 ⭐"], payload
    assert saved(sessions) == {}
    await press_payload(chat, disable)
    assert set(saved(sessions)) == {"disable"}, "the button as made still works"


async def test_save_all_on_a_card_that_has_no_key_words_now_says_so(
    chat: FakeChat, sessions: Sessions
) -> None:
    every = (await picker_payloads(chat))["全部收藏"]
    verb, key, _, which, tag = every.split(":")
    replies = await press_payload(chat, ":".join((verb, key, "1", which, tag)))  # card 1 has none
    assert [reply.notice for reply in replies] == [view.NO_KEY_WORDS], "no apology"
    assert saved(sessions) == {}


async def test_the_word_list_in_a_group_shows_nobodys_ticks(conversation, chat: FakeChat) -> None:
    """The list is everyone's message: one person's saved words must not show as ticked there."""
    await open_card(chat, 5)
    await chat.say("/save disable")
    star = chat.button("⭐ 收藏").action or ""
    group = FakeChat(conversation, chat_id="-100", user_id="1001", kind=ChatKind.GROUP)
    await group._send(group._incoming(action=star), None)
    assert labels(group.last) == ["addition", "disable", "batch", "全部收藏", "🔊"]
    await group.say("/save", reply_to=-1)  # a reply to the list offers its card's words
    assert labels(group.last) == ["addition", "disable", "batch", "全部收藏", "🔊"]
    await chat.press("⭐ 收藏")
    assert labels(chat.last)[:3] == ["addition", "✅ disable", "batch"], "in private the list is ticked"


def test_card_and_word_list_payloads_fit_telegram_with_the_longest_lesson_key(services: Services) -> None:
    key = "k" * 40
    payloads = [button.action for row in card_buttons(key, 999, 999, "99999") for button in row]
    assert all(payload and len(payload.encode()) <= 64 for payload in payloads)
    today = services.shelf.day(dt.date(2026, 11, 22))
    assert today is not None
    card = replace(services.shelf.deck(today.lesson).cards[3], number=999)
    items = pickable(card)
    picker = view.picker_reply(key, card, set())
    payloads = [button.action or "" for row in picker.buttons for button in row]
    payloads += [view.pick_action(key, 999, "999", items[:1]), view.pick_action(key, 999, "all", items)]
    assert all(len(payload.encode()) <= 64 for payload in payloads), max(payloads, key=len)
    assert view.pick_action(key, 999, "all", items).split(":")[-1] == view.words_tag(items)
    assert len(view.words_tag(items)) == 4


# --- /save typed in a fresh chat -----------------------------------------------------------------


async def test_a_typed_word_gets_the_most_recent_card_that_contains_it(
    chat: FakeChat, sessions: Sessions
) -> None:
    await chat.say("/save Batch")
    contexts = saved(sessions)["batch"]
    assert [(c.lesson_id, c.card_number, c.form) for c in contexts] == [("x-1795864908338442609", 3, "batch")]


async def test_a_typed_word_in_no_lesson_is_saved_with_its_dictionary_entry(
    chat: FakeChat, sessions: Sessions
) -> None:
    await chat.say("/save engulfed")
    assert "⭐ 已收藏 engulf" in chat.text and "（原文 engulfed）" in chat.text
    assert "最近的课里没找到含这个词的句子" in chat.text
    (context,) = saved(sessions)["engulf"]
    assert context.form == "engulfed" and context.sentence_en is None


async def test_a_typed_dictionary_word_with_a_builder_sense_keeps_that_sense_as_its_note(
    chat: FakeChat,
) -> None:
    await chat.say("/save moat")
    with chat.conversation.services.sessions() as session:
        entry = book.find_entry(session, **me(session), lemma="moat")
    assert entry is not None and entry.gloss.startswith("n. 护城河")
    assert entry.expression is not None and entry.expression.startswith("网络俚语 slang moat：")


async def test_a_typed_expression_is_filed_under_its_phrase(chat: FakeChat, sessions: Sessions) -> None:
    await chat.say("/save IMO")
    (context,) = saved(sessions)["imo"]
    assert context.form == "IMO" and context.sentence_en.startswith("IMO, Freysa")


async def test_a_likely_typo_is_not_saved_but_the_good_words_are(chat: FakeChat, sessions: Sessions) -> None:
    await chat.say("/save xyzzq")
    assert "没找到 xyzzq" in chat.text and "检查一下拼写" in chat.text
    assert saved(sessions) == {}
    await chat.say("/save persistent xyzzq")
    assert "⭐ 已收藏 persistent" in chat.text and "没找到 xyzzq" in chat.text
    assert set(saved(sessions)) == {"persistent"}


# --- bad input: a clear reply, nothing saved -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/save", "用法：/save 单词"),
        ("/save " + "a" * 500, "太长了"),
        ("/save ?!…", "里没有英文单词"),
        ("/save 🤔🔥", "里没有英文单词"),
        ("/save https://x.com/karpathy/status/1", "链接不是单词"),
        ("/save www.example.com", "链接不是单词"),
        ("/save 吞没", "生词本只收英文单词（English words only）"),
        ("/save " + " ".join(f"word{n}" for n in range(11)), "一次最多收藏 10 个词"),
        ('/save ""', "用法：/save 单词"),
    ],
)
async def test_bad_input_is_answered_and_saves_nothing(
    chat: FakeChat, sessions: Sessions, text: str, expected: str
) -> None:
    await chat.say(text)
    assert expected in chat.text
    assert "你是想收藏" not in chat.text and chat.last.buttons == (), "a refusal, not a suggestion"
    assert saved(sessions) == {}


BAD_WORDS = {
    "吞没": "生词本只收英文单词（English words only）。请写出要{verb}的英文，例如 /{command} engulf。",
    "https://x.com/karpathy/status/1": "链接不是单词 🙂 请写出要{verb}的英文单词，例如 /{command} engulf。",
    " ".join(f"word{n}" for n in range(11)): "/{command} 一次{verb}一个词（这次有 11 个）。",
    "a" * 60: "太长了，不像单词或短语",
    "🤔🔥": "「🤔🔥」里没有英文单词。请写出要{verb}的英文单词或短语",
}


@pytest.mark.parametrize("typed", list(BAD_WORDS))
@pytest.mark.parametrize(
    ("command", "verb", "outcome"),
    [("forget", "删除", "什么都没有删除。"), ("words", "查看", "发送 /words 查看全部。")],
)
async def test_forget_and_words_answer_bad_input_in_their_own_words(
    chat: FakeChat, sessions: Sessions, typed: str, command: str, verb: str, outcome: str
) -> None:
    await chat.say("/save weights")
    await chat.say(f"/{command} {typed}")
    text = chat.text
    assert BAD_WORDS[typed].format(verb=verb, command=command) in text and text.endswith(outcome)
    assert "/save" not in text and "保存" not in text and "收藏" not in text, "not /save's wording"
    with chat.conversation.services.sessions() as session:
        assert book.count_words(session, **me(session)) == 1, "nothing forgotten"


async def test_bad_input_is_refused_before_the_quoted_card_is_looked_up(
    chat: FakeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_card(chat, 5)
    looked_up: list[object] = []
    real = vocabulary.quoted_lesson

    def counted(turn: object) -> object:
        looked_up.append(turn)
        return real(turn)  # type: ignore[arg-type]

    monkeypatch.setattr(vocabulary, "quoted_lesson", counted)
    for bad in ["https://x.com/a", "a" * 60, "🤔", " ".join(f"w{n}" for n in range(11))]:
        await chat.say(f"/save {bad}", reply_to=0)
        assert "什么都没有保存" in chat.text
    assert looked_up == []
    await chat.say("/save 禁用", reply_to=0)  # Chinese: the card may say which English word was meant
    assert len(looked_up) == 1 and labels(chat.last) == ["⭐ disable"]


async def test_chinese_in_reply_to_a_card_suggests_the_english_key_word(
    chat: FakeChat, sessions: Sessions
) -> None:
    await open_card(chat, 5)
    await chat.say("/save 禁用", reply_to=-1)
    assert "你是想收藏下面的词吗" in chat.text and "disable" in chat.text
    assert "English words only" not in chat.text, "a suggestion, not the refusal"
    assert labels(chat.last) == ["⭐ disable"]
    assert saved(sessions) == {}
    await chat.press("⭐ disable")
    assert set(saved(sessions)) == {"disable"}


async def test_chinese_typed_fresh_looks_at_the_latest_lesson(chat: FakeChat) -> None:
    await chat.say("/save 批处理")
    assert "你是想收藏下面的词吗" in chat.text and "English words only" not in chat.text
    assert labels(chat.last) == ["⭐ batch"]


async def test_a_reply_to_a_group_post_saves_the_card_containing_the_word(
    conversation, sessions: Sessions
) -> None:
    group = FakeChat(conversation, chat_id="-100", user_id="1001", kind=ChatKind.GROUP)
    await group.say("/today")
    await group.say("/save", reply_to=-1)
    assert "整篇课文" in group.text and saved(sessions) == {}
    await group.say("/save weights", reply_to=-2)
    assert "⭐ 已收藏 weight" in group.text
    assert saved(sessions)["weight"][0].card_number == 5, "the person's own book, from a group"
    await group.say("/words")
    assert "私聊" in group.text
    await group.say("/export")
    assert "私聊" in group.text and all(reply.document is None for reply in group.shown)
    private = FakeChat(conversation)
    await private.say("/words")
    assert "weight" in private.text


# --- /words --------------------------------------------------------------------------------------


async def test_an_empty_book_says_how_to_fill_it(chat: FakeChat) -> None:
    await chat.say("/words")
    assert "生词本还是空的" in chat.text and chat.last.buttons == ()


async def test_words_pages_newest_first_with_buttons_that_edit(chat: FakeChat, services: Services) -> None:
    for word in ["batch", "increase", "persistent", "weights", "disable", "addition", "moat"]:
        services.clock.advance(dt.timedelta(minutes=1))  # type: ignore[attr-defined]
        await chat.say(f"/save {word}")
    await chat.say("/words")
    first = chat.text
    assert "共 7 个 · 第 1/2 页" in first
    assert first.index("moat") < first.index("addition") < first.index("weight"), "newest first"
    assert "batch" not in first
    assert "n. 护城河" in first and "In addition, yesterday" in first, "gloss and the sentence it came from"
    assert labels(chat.last) == ["下一页 ▶"]
    shown = len(chat.shown)
    await chat.press("下一页 ▶")
    assert len(chat.shown) == shown, "edited in place"
    assert "第 2/2 页" in chat.text and "batch" in chat.text and "increase" in chat.text
    assert labels(chat.last) == ["◀ 上一页"]
    await chat.press("◀ 上一页")
    assert chat.text == first


async def test_words_word_shows_every_sentence_with_its_source(chat: FakeChat) -> None:
    await open_card(chat, 3)
    await chat.say("/save batch", reply_to=-1)
    await chat.press("下一句 ▶", message=-2)
    await chat.press("下一句 ▶", message=-2)  # card 4 asks about -r 1; card 5 has "batch" again
    await chat.say("/save batch", reply_to=-2)
    await chat.say("/words batch")
    text = chat.text
    assert "📒 batch /bætʃ/" in text and "例句（2）" in text
    assert "1. In addition" in text and "2. Few more things" in text, "newest first"
    assert "Andrej Karpathy · 2026-11-22" in text
    links = [span.url for line in chat.last.text.lines for span in line if span.url]
    assert links == [TODAY_SOURCE, TODAY_SOURCE]
    spoilers = [span for line in chat.last.text.lines for span in line if span.spoiler]
    assert len(spoilers) == 2, "the translations are hidden until tapped"


async def test_words_finds_an_entry_by_the_form_met_and_says_when_it_is_missing(chat: FakeChat) -> None:
    await chat.say("/save distillations")
    await chat.say("/words distillations")
    assert "📒 distillation" in chat.text and "见过的形式：distillations" in chat.text
    await chat.say("/words engulf")
    assert "生词本里没有「engulf」" in chat.text


# --- /forget and undo ----------------------------------------------------------------------------


async def test_forget_hides_the_word_and_undo_within_a_minute_brings_it_back(
    chat: FakeChat, services: Services, sessions: Sessions
) -> None:
    await chat.say("/save weights batch")
    await chat.say("/forget weights")
    assert "已从生词本删除 weight（和它的 1 个例句）" in chat.text and labels(chat.last) == ["↩️ 撤销"]
    answer = len(chat.shown) - 1
    await chat.say("/words")
    assert "weight" not in chat.text and "共 1 个" in chat.text
    services.clock.advance(dt.timedelta(seconds=59))  # type: ignore[attr-defined]
    await chat.press("↩️ 撤销")
    restored = chat.shown[answer]
    assert "weight 回到生词本了" in restored.text.plain and restored.buttons == (), "the answer is edited"
    await chat.say("/words")
    assert "共 2 个" in chat.text
    assert len(saved(sessions)["weight"]) == 1


async def test_undo_after_a_minute_says_it_expired_and_changes_nothing(
    chat: FakeChat, services: Services
) -> None:
    await chat.say("/save weights")
    await chat.say("/forget weight")
    services.clock.advance(dt.timedelta(seconds=61))  # type: ignore[attr-defined]
    await chat.press("↩️ 撤销")
    assert "撤销已过期" in chat.notices[-1]
    assert "已从生词本删除" in chat.text, "the message stays as it was"
    await chat.say("/words")
    assert "生词本还是空的" in chat.text


async def test_forget_explains_what_it_needs(chat: FakeChat) -> None:
    await chat.say("/forget")
    assert "用法：/forget 单词" in chat.text
    await chat.say("/forget engulf")
    assert "生词本里没有「engulf」" in chat.text
    await chat.say("/forget 吞没")
    assert "English words only" in chat.text and "/forget engulf" in chat.text
    assert "/save" not in chat.text


async def test_forgetting_a_word_without_sentences_does_not_count_them(chat: FakeChat) -> None:
    await chat.say("/save engulfed")
    await chat.say("/forget engulf")
    assert "🗑 已从生词本删除 engulf。1 分钟内可以撤销。" in chat.text and "例句" not in chat.text


async def test_undo_of_a_word_already_back_says_there_is_nothing_to_undo(
    chat: FakeChat, sessions: Sessions
) -> None:
    await chat.say("/save weights")
    await chat.say("/forget weights")
    await chat.say("/save weights")  # saved again within the minute: it is back already
    shown = len(chat.shown)
    await chat.press("↩️ 撤销")
    assert chat.notices[-1] == "没有需要撤销的了。" and len(chat.shown) == shown
    replies = await chat.conversation.handle(chat._incoming(action="wu:not-a-number"))
    assert [reply.notice for reply in replies] == ["没有需要撤销的了。"]
    assert len(saved(sessions)["weight"]) == 1


# --- /export -------------------------------------------------------------------------------------


async def test_export_of_an_empty_book_sends_no_files(chat: FakeChat) -> None:
    replies = await chat.say("/export")
    assert "生词本还是空的" in chat.text and all(reply.document is None for reply in replies)


@pytest.mark.filterwarnings("error")  # genanki warns about fields Anki would mangle
async def test_export_sends_a_csv_and_an_anki_deck(chat: FakeChat, tmp_path: Path) -> None:
    await open_card(chat, 5)
    await chat.say('/save weights "master weights"', reply_to=-1)
    await chat.say("/save engulfed")
    replies = await chat.say("/export")
    documents = [reply.document for reply in replies if reply.document is not None]
    assert [d.filename for d in documents] == [
        "buildspeak-words-2026-11-22.csv",
        "buildspeak-words-2026-11-22.apkg",
    ]
    rows = list(csv.reader(io.StringIO(documents[0].data.decode("utf-8-sig"))))
    assert rows[0][0] == "单词 word" and [row[0] for row in rows[1:]] == [
        "engulf",
        "master weights",
        "weight",
    ]
    weight = rows[3]
    assert weight[4].startswith("In addition") and "主权重" in weight[5] and weight[7] == TODAY_SOURCE
    assert "3 个词" in (documents[0].caption or "") and "Anki" in (documents[1].caption or "")
    package = tmp_path / "words.apkg"
    package.write_bytes(documents[1].data)
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    database = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        notes = database.execute("SELECT flds FROM notes").fetchall()
    finally:
        database.close()
    assert len(notes) == 3
    assert any('<b class="target">weights</b>' in flds for (flds,) in notes)
    assert "media" in names and any(name.isdigit() for name in names), "the sentences' audio"


async def test_a_second_export_while_one_runs_is_asked_to_wait(
    chat: FakeChat, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.say("/save weights")
    started, release = asyncio.Event(), asyncio.Event()
    real_audio = services.shelf.audio

    async def slow_audio(text: str, title: str) -> Audio | None:
        started.set()
        await release.wait()
        return await real_audio(text, title)

    monkeypatch.setattr(services.shelf, "audio", slow_audio)
    first = asyncio.create_task(chat.say("/export"))
    await asyncio.wait_for(started.wait(), 5)
    (busy,) = await asyncio.wait_for(chat.say("/export"), 5)  # a second export would wait for the voice
    assert busy.text is not None and "正在导出，请稍候" in busy.text.plain and busy.document is None
    other = await chat.say("/export", user_id="2002")
    assert "生词本还是空的" in chat.text and other[0].document is None, "someone else's export is not held up"
    release.set()
    documents = [reply.document for reply in await first if reply.document is not None]
    assert len(documents) == 2
    again = await chat.say("/export")
    assert len([reply for reply in again if reply.document is not None]) == 2, "the next export runs"


async def test_an_export_that_failed_does_not_block_the_next(
    chat: FakeChat, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.say("/save weights")

    async def broken_audio(text: str, title: str) -> Audio | None:
        raise RuntimeError("voice down")

    monkeypatch.setattr(services.shelf, "audio", broken_audio)
    await chat.say("/export")
    assert chat.text == texts.APOLOGY
    monkeypatch.undo()
    replies = await chat.say("/export")
    assert len([reply for reply in replies if reply.document is not None]) == 2


async def test_export_speaks_a_few_sentences_at_once_and_no_more_than_the_cap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(vocabulary_export, "MAX_SPOKEN", 10)
    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    entries = [
        ExportEntry(
            f"w{n}",
            None,
            None,
            None,
            (ExportContext("w", f"Sentence {n}.", None, None, None, None, now),),
            now,
        )
        for n in range(15)
    ]

    class Voice:
        running = peak = 0

        async def audio(self, text: str, title: str) -> Audio:
            self.running += 1
            self.peak = max(self.peak, self.running)
            await asyncio.sleep(0.01)
            self.running -= 1
            return Audio(path=tmp_path / f"{text}.mp3", key=text, title=title)

    voice = Voice()
    spoken = await vocabulary_export._audio(voice, entries)  # type: ignore[arg-type]
    assert voice.peak == vocabulary_export.SPOKEN_AT_ONCE == 4
    assert spoken == {f"Sentence {n}.": tmp_path / f"Sentence {n}..mp3" for n in range(10)}


def test_the_commands_are_in_the_menu_and_the_help() -> None:
    commands = default_commands()
    assert {"save", "words", "forget", "export"} <= {command.name for command in commands}
    help_text = texts.help_text(commands.help_lines())
    assert "/save WORD" in help_text and "⭐ 收藏" in help_text

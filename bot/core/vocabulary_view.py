"""The vocabulary book as chat messages: what saving said, the paged book, one word, the ⭐ list.

Wording lives here next to its layout (Chinese first, the English it teaches in
bold), so the handlers in `vocabulary.py` only decide which message to send.
"""

from __future__ import annotations

import re

from bot.core import actions
from bot.core.actions import Action
from bot.core.messages import Button, Line, Reply, RichText, Span, keyboard
from bot.core.web_link import book_button
from bot.core.word_finder import Found, Pickable, Suggestion, item_name, pickable
from bot.core.word_input import MAX_CHARS, MAX_ITEMS, Problem
from bot.storage.vocabulary_book import BookEntry, BookPage, Saved, SavedContext, SaveResult
from lessons.deck import Card
from lessons.text import short_hash
from lessons.vocabulary import KeyWord

PAGE_SIZE = 5
GLOSS_SHOWN = 36
SENTENCE_SHOWN = 90

USAGE = (
    '用法：/save 单词（可以一次写几个，短语请加引号：/save "napkin math"）。\n'
    "也可以回复一张课程卡片发送 /save，或点卡片上的 ⭐ 收藏，从这句的重点词里挑。"
)
WHOLE_LESSON = "你回复的是整篇课文：请写出要收藏的词，例如 /save {example}。"


def _problems(verb: str, example: str, too_many: str, outcome: str) -> dict[Problem, str]:
    """One command's answers to bad input, in its own words: what to type instead, and that
    nothing changed (an answer for /forget must not talk about /save or saving)."""
    return {
        Problem.TOO_MANY: too_many + outcome,
        Problem.TOO_LONG: f"「{{culprit}}」太长了，不像单词或短语（最多 {MAX_CHARS} 个字符）。" + outcome,
        Problem.URL: f"链接不是单词 🙂 请写出要{verb}的英文单词，例如 {example}。" + outcome,
        Problem.NOT_ENGLISH: "「{culprit}」里没有英文单词。"
        + f"请写出要{verb}的英文单词或短语，例如 {example}。"
        + outcome,
        Problem.CHINESE: f"生词本只收英文单词（English words only）。请写出要{verb}的英文，例如 {example}。"
        + outcome,
    }


PROBLEMS: dict[str, dict[Problem, str]] = {
    "save": _problems(
        "收藏",
        "/save engulfed",
        f"一次最多收藏 {MAX_ITEMS} 个词（这次有 {{culprit}} 个），分几次发吧。",
        "什么都没有保存。",
    ),
    "forget": _problems(
        "删除", "/forget engulf", "/forget 一次删除一个词（这次有 {culprit} 个）。", "什么都没有删除。"
    ),
    "words": _problems(
        "查看", "/words engulf", "/words 一次查看一个词（这次有 {culprit} 个）。", "发送 /words 查看全部。"
    ),
}
UNKNOWN = "没找到 {words}：词典里没有，最近的课里也没出现过。检查一下拼写？这些词没有保存。"
CHINESE_SUGGESTION = "生词本只收英文单词。你是想收藏下面的词吗？点一下就收藏："
NO_KEY_WORDS = "这一句没有标出的重点词。想收藏别的词：回复这张卡片，发送 /save 单词。"
EMPTY_BOOK = "生词本还是空的。读课时回复卡片发送 /save 单词，或点卡片上的 ⭐ 收藏。"
PRIVATE_BOOK = "生词本是你自己的：请在和我的私聊里发送 /{command}（在群里发会打扰大家，也会公开你的生词）。"
NOT_IN_BOOK = "生词本里没有「{word}」。发送 /words 查看全部。"
FORGET_USAGE = "用法：/forget 单词，把它从生词本删除（1 分钟内可以撤销）。"
FORGOTTEN = "🗑 已从生词本删除 {lemma}{sentences}。1 分钟内可以撤销。"
RESTORED = "↩️ 已撤销：{lemma} 回到生词本了。"
UNDO_EXPIRED = "撤销已过期（超过 1 分钟），这个词已经删除了。"
NOTHING_TO_UNDO = "没有需要撤销的了。"
STALE_CARD = "这张卡片已经不在课程库里了。"
WORD_LIST_CHANGED = "这张卡片的词表已更新，请重新点 ⭐"
TAG_LENGTH = 4  # hex characters of a ⭐ button's check on the words it was made for


def problem_reply(problem: Problem, culprit: str, command: str) -> Reply:
    """Why nothing happened, in the words of the command that was typed (/save, /forget or /words)."""
    return Reply(RichText.of(PROBLEMS[command][problem].format(culprit=culprit)))


def words_tag(items: list[Pickable]) -> str:
    """A short check of which words a ⭐ button was made for.

    Buttons choose a word by its place in the card's list; when a dictionary, glossary or
    translation update changes that list, an old button would save another word than its label.
    """
    return short_hash("\n".join(item_name(item).lower() for item in items), TAG_LENGTH)


def suggestion_reply(suggestions: list[Suggestion]) -> Reply:
    """Chinese typed: the English it may mean on the card, each a button that saves it."""
    if not suggestions:
        return Reply(RichText.of(PROBLEMS["save"][Problem.CHINESE]))
    lines: list[str | Span | Line] = [CHINESE_SUGGESTION]
    lines += [_item_line(s.item) for s in suggestions]
    buttons = [
        Button(f"⭐ {item_name(s.item)}", action=pick_action(s.key, s.card.number, str(s.index), [s.item]))
        for s in suggestions
    ]
    return Reply(RichText.of(*lines), buttons=keyboard(buttons))


def saved_reply(results: list[tuple[Found, SaveResult]], unknown: list[str]) -> Reply:
    """What each word became in the book; the words not found are named, not saved."""
    lines: list[str | Span | Line] = []
    for found, result in results:
        lines += _saved_lines(found, result)
    if unknown:
        lines += [*([""] if lines else []), UNKNOWN.format(words="、".join(unknown))]
    if results:
        lines += ["", "/words 查看生词本 · /export 导出到 Anki"]
    return Reply(RichText.of(*lines))


def _saved_lines(found: Found, result: SaveResult) -> list[str | Span | Line]:
    entry = result.entry
    sound = f" /{entry.phonetic}/" if entry.phonetic else ""
    form = found.context.form
    met = f"（原文 {form}）" if form.lower() != entry.lemma.lower() else ""
    head: dict[Saved, str] = {Saved.ADDED: "⭐ 已收藏 ", Saved.MERGED: "⭐ 已收藏 ", Saved.ALREADY: "✅ "}
    lines: list[str | Span | Line] = [
        (Span(head[result.outcome]), Span(entry.lemma, bold=True), Span(sound + met))
    ]
    if entry.gloss:
        lines.append(_short(entry.gloss, 80))
    count = len(entry.sentences)
    if result.outcome is Saved.MERGED:
        lines.append(f"已在生词本里，加上了这个新例句（共 {count} 句）。")
    elif result.outcome is Saved.ALREADY:
        lines.append("已在生词本里，这个例句也收过了。" if found.context.sentence_en else "已在生词本里了。")
    elif found.card is None:
        lines.append("最近的课里没找到含这个词的句子，先存了词典释义。")
    if found.card is not None and result.outcome is not Saved.ALREADY:
        lines.append((Span("例句："), Span(_short(found.card.en, SENTENCE_SHOWN), italic=True)))
    return lines


def picker_reply(key: str, card: Card, saved: set[str], *, edit: bool = False) -> Reply:
    """⭐ on a card: its key words and expressions as buttons; the saved ones are ticked."""
    items = pickable(card)
    lines: list[str | Span | Line] = [
        Span(f"⭐ 收藏第 {card.number} 句的哪个词？点一下就存进生词本。", bold=True),
        Span(_short(card.en, SENTENCE_SHOWN), italic=True),
        "",
    ]
    lines += [_item_line(item) for item in items]
    buttons = [
        Button(
            ("✅ " if item_name(item).lower() in saved else "") + item_name(item),
            action=pick_action(key, card.number, str(i), [item]),
        )
        for i, item in enumerate(items)
    ]
    rows = [buttons[start : start + 3] for start in range(0, len(buttons), 3)]
    every = [Button("全部收藏", action=pick_action(key, card.number, "all", items))] if len(items) > 1 else []
    # 🔊 names the card, so a reply to this list is about the card too (see quoted.py).
    sound = Button("🔊", action=Action(actions.AUDIO, (key, str(card.number))).encode())
    return Reply(RichText.of(*lines), buttons=keyboard(*rows, [*every, sound]), edit=edit)


def page_reply(page: BookPage, *, edit: bool = False, web_url: str = "") -> Reply:
    """A page of the book, newest first, with ◀ ▶ that edit this message, and 🌐 阅读页 to the book
    on the reader when the bot has one at `web_url`."""
    reader = book_button(web_url)
    if page.total == 0:
        return Reply(RichText.of(EMPTY_BOOK), buttons=keyboard([reader] if reader else []), edit=edit)
    lines: list[str | Span | Line] = [
        Span(f"📒 我的生词本 · 共 {page.total} 个 · 第 {page.page + 1}/{page.pages} 页", bold=True)
    ]
    for entry in page.entries:
        sound = f" /{entry.phonetic}/" if entry.phonetic else ""
        gloss = f" {_short(entry.gloss, GLOSS_SHOWN)}" if entry.gloss else ""
        lines += ["", (Span(entry.lemma, bold=True), Span(sound + gloss))]
        newest = entry.sentences[0] if entry.sentences else None
        if newest is not None and newest.sentence_en:
            lines.append((Span("  "), *_highlighted(_short(newest.sentence_en, SENTENCE_SHOWN), newest.form)))
    lines += ["", "/words 单词 查看全部例句 · /forget 单词 删除 · /export 导出"]
    paging = [
        *([Button("◀ 上一页", action=_page(page.page - 1))] if page.page > 0 else []),
        *([Button("下一页 ▶", action=_page(page.page + 1))] if page.page < page.pages - 1 else []),
    ]
    return Reply(RichText.of(*lines), buttons=keyboard(paging, [reader] if reader else []), edit=edit)


def entry_reply(entry: BookEntry, titles: dict[str, str]) -> Reply:
    """One word with every sentence it was saved from, newest first; translations hidden until tapped."""
    sound = f" /{entry.phonetic}/" if entry.phonetic else ""
    lines: list[str | Span | Line] = [(Span("📒 "), Span(entry.lemma, bold=True), Span(sound))]
    if entry.gloss:
        lines.append(entry.gloss)
    if entry.expression:
        lines.append(f"💡 {entry.expression}")
    sentences = entry.sentences
    lines += ["", Span(f"例句（{len(sentences)}）" if sentences else "还没有例句。", bold=True)]
    for number, context in enumerate(sentences, 1):
        lines += _context_lines(number, context, titles)
    forms = sorted({c.form for c in entry.contexts if c.form.lower() != entry.lemma.lower()})
    if forms:
        lines += ["", f"见过的形式：{', '.join(forms)}"]
    return Reply(RichText.of(*lines))


def _context_lines(number: int, context: SavedContext, titles: dict[str, str]) -> list[str | Span | Line]:
    assert context.sentence_en is not None
    lines: list[str | Span | Line] = [(Span(f"{number}. "), *_highlighted(context.sentence_en, context.form))]
    if context.sentence_zh:
        lines.append((Span("   "), Span(context.sentence_zh, spoiler=True)))
    title = titles.get(context.lesson_id or "")
    where = " · ".join(part for part in (context.author, f"《{title}》" if title else None) if part)
    where += f" · {context.saved_at:%Y-%m-%d}"
    link = [Span(" 原文 ↗", url=context.source_url)] if context.source_url else []
    lines.append((Span(f"   — {where}"), *link))
    return lines


def forgotten_reply(entry: BookEntry) -> Reply:
    count = len(entry.sentences)
    text = FORGOTTEN.format(lemma=entry.lemma, sentences=f"（和它的 {count} 个例句）" if count else "")
    undo = Button("↩️ 撤销", action=Action(actions.UNDO_FORGET, (str(entry.id),)).encode())
    return Reply(RichText.of(text), buttons=keyboard([undo]))


def _item_line(item: Pickable) -> Line:
    if isinstance(item, KeyWord):
        sound = f" /{item.phonetic}/" if item.phonetic else ""
        met = f"（原文 {item.word}）" if item.word.lower() != item.lemma.lower() else ""
        return (Span(item.lemma, bold=True), Span(f"{sound} {_short(item.gloss, GLOSS_SHOWN)}{met}"))
    return (Span("💡 "), Span(item.phrase, bold=True), Span(f"：{_short(item.zh, GLOSS_SHOWN)}"))


def _highlighted(sentence: str, form: str) -> tuple[Span, ...]:
    """The sentence in italics with the word as met in bold."""
    match = re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", sentence, re.IGNORECASE)
    if match is None:
        return (Span(sentence, italic=True),)
    parts = (sentence[: match.start()], sentence[match.start() : match.end()], sentence[match.end() :])
    return tuple(Span(text, italic=True, bold=index == 1) for index, text in enumerate(parts) if text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def pick_action(key: str, number: int, which: str, items: list[Pickable]) -> str:
    """The payload of a ⭐ list button: card, word index (or "all") and the tag of the words it saves."""
    return Action(actions.PICK_WORD, (key, str(number), which, words_tag(items))).encode()


def _page(page: int) -> str:
    return Action(actions.WORDS_PAGE, (str(page),)).encode()

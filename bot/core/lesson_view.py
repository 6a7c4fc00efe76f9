"""A lesson as chat messages: one card at a time with its buttons, or the whole text at once.

The card view mirrors the BuildSpeak page: the header stays on top, the
English sentence is shown, its Chinese is hidden (a spoiler: predict first,
then tap to check), and the buttons step through the cards like ←/→.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import actions
from bot.core.actions import Action
from bot.core.messages import Button, Keyboard, Line, Reply, RichText, Span, keyboard
from bot.core.shelf import DayLesson
from bot.core.web_link import day_button
from lessons.deck import Card, Deck
from lessons.library import format_timestamp

NO_TRANSLATION = "（暂无译文）"
STUDY = "📖 开始学习"
QUIZ = "📝 今日测验"
QUIZ_PAYLOAD = "quiz"  # /start quiz: the link of a group post's 今日测验 button


@dataclass(frozen=True)
class Sound:
    """What a lesson's audio speaks and the title it carries: one definition for the chat's 🔊 and
    全文 and the reader's players, so both ask the voice for the same text and share its cache file."""

    text: str
    title: str


def card_sound(deck: Deck, card: Card) -> Sound:
    return Sound(card.en, f"{deck.lesson.header.author} · {card.number}/{len(deck.cards)}")


def whole_sound(deck: Deck) -> Sound:
    return Sound(deck.english, f"{deck.lesson.header.author} · 全文")


def header(deck: Deck, day: DayLesson | None) -> RichText:
    lesson_header = deck.lesson.header
    lines: list[str | Span | Line] = []
    if day is not None:
        lines.append(Span(f"📅 第 {day.number} 课 · {day.date.month} 月 {day.date.day} 日", bold=True))
    lines.append(lesson_header.headline)
    titles = [f"《{lesson_header.title}》"] if lesson_header.title else []
    titles += [lesson_header.part_label] if lesson_header.part_label else []
    if titles:
        lines.append(" · ".join(titles))
    if lesson_header.engagement_label:
        lines.append(lesson_header.engagement_label)
    lines.append(Span("原文 ↗", url=lesson_header.source))
    return RichText.of(*lines)


def card_reply(
    deck: Deck, key: str, number: int, day: DayLesson | None, *, edit: bool = False, web_url: str = ""
) -> Reply:
    """Card `number` (1-based) under the lesson's header, with ◀ 🔊 ▶ 全文 ⭐ (and 🌐 阅读页 for a
    day of the calendar, when the bot has a reader at `web_url`)."""
    card = deck.cards[number - 1]
    text = header(deck, day) + RichText.of("") + card_text(card, len(deck.cards))
    day_number = str(day.number) if day else ""
    buttons = card_buttons(key, number, len(deck.cards), day_number, web_url)
    return Reply(text=text, buttons=buttons, edit=edit)


def card_text(card: Card, total: int) -> RichText:
    stamp = f"[{format_timestamp(card.start)}] " if card.start is not None else ""
    lines: list[str | Span | Line] = [
        (Span(f"【{card.number}/{total}】 ", bold=True), Span(stamp + card.en, bold=True)),
        (Span("译文："), Span(card.zh, spoiler=True) if card.zh else Span(NO_TRANSLATION, italic=True)),
    ]
    if card.words:
        lines += ["", Span("📖 重点词汇", bold=True)]
        lines += [_word_line(word.word, word.lemma, word.phonetic, word.gloss) for word in card.words]
    if card.expressions:
        lines += ["", Span("💡 地道表达", bold=True)]
        lines += [(Span(e.phrase, bold=True), Span(f"：{e.zh}")) for e in card.expressions]
    return RichText.of(*lines)


def _word_line(word: str, lemma: str, phonetic: str, gloss: str) -> Line:
    form = f"（原文 {word}）" if word.lower() != lemma else ""
    sound = f" /{phonetic}/" if phonetic else ""
    return (Span(lemma, bold=True), Span(f"{sound} {gloss}{form}"))


def card_buttons(key: str, number: int, total: int, day_number: str = "", web_url: str = "") -> Keyboard:
    """The day number rides along so an edited card keeps its "第 N 课" line (and its 🌐 阅读页),
    even on an old message."""

    def step(to: int, edge: str) -> Action:
        inside = 1 <= to <= total
        return Action(actions.CARD, (key, str(to), day_number)) if inside else Action(actions.NOOP, (edge,))

    previous, following = step(number - 1, "first"), step(number + 1, "last")
    reader = day_button(web_url, int(day_number)) if day_number else None
    return keyboard(
        [
            Button("◀ 上一句", action=previous.encode()),
            Button("🔊", action=Action(actions.AUDIO, (key, str(number))).encode()),
            Button("下一句 ▶", action=following.encode()),
        ],
        [
            Button("全文", action=Action(actions.FULL, (key, day_number)).encode()),
            Button("⭐ 收藏", action=Action(actions.STAR, (key, str(number))).encode()),
            *([reader] if reader else []),
        ],
    )


def full_text(deck: Deck, day: DayLesson | None) -> RichText:
    """Every card's English with its Chinese hidden, paragraph by paragraph."""
    lines: list[str | Span | Line] = []
    paragraph = None
    for card in deck.cards:
        if card.paragraph != paragraph:
            lines.append("")
            paragraph = card.paragraph
        lines.append(Span(card.en))
        lines.append(Span(card.zh, spoiler=True) if card.zh else Span(NO_TRANSLATION, italic=True))
    return header(deck, day) + RichText.of(*lines)


def group_reply(deck: Deck, key: str, day: DayLesson | None, web_url: str = "") -> Reply:
    """A group's daily post: the whole lesson in one message, and a way into the card-by-card lesson
    and into today's quiz, for each member on their own (a private chat, or an answer only they see),
    and to the day on the reader when the bot has one (a plain link: a group opens no Mini App)."""
    here = Action(actions.OPEN, (str(day.number),)) if day else Action(actions.CARD, (key, "1"))
    study = Button(STUDY, start_payload=f"d{day.number}" if day else f"L{key}", action=here.encode())
    quiz = Button(QUIZ, start_payload=QUIZ_PAYLOAD, action=Action(actions.QUIZ_NOW, ("",)).encode())
    thread = f"讨论 · 第 {day.number} 课" if day else f"讨论 · {deck.lesson.header.headline}"[:100]
    reader = day_button(web_url, day.number) if day else None
    buttons = keyboard([study, quiz, *([reader] if reader else [])])
    return Reply(text=full_text(deck, day), buttons=buttons, single=True, thread=thread)

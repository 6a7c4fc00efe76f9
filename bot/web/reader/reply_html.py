"""The core's replies as HTML: the web page as one more adapter of the conversation core.

The review on the page runs the chats' quiz, so what it shows is what the core returns: rich text,
buttons, polls, typed-answer prompts, audio and notices. This module is the page's counterpart of
the Telegram adapter's rendering: a button comes back as a POST form carrying its action payload, a
poll's option as a form carrying the poll's key and the option's number, a typed answer as a text
form. Every piece of text is escaped here (people's saved sentences and glosses are text, never
markup), so a template may print the result as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from markupsafe import Markup, escape

from bot.core.messages import Audio, Button, Keyboard, Line, Poll, Reply, RichText, Span, TypedAnswer

SAFE_SCHEMES = ("https://", "http://")  # a link in a reply may open nothing else (no javascript:)
MAX_TYPED = 100  # characters a typed answer may have: a word or a short phrase
# The field a button's payload is posted in. Not "action": a form control of that name hides the
# form's own `action` property from scripts (`form.action` would be the <input>), and the Mini App's
# soft navigation reads it to know where to post.
PRESSED_FIELD = "pressed"


class Role(StrEnum):
    """What a reply is on the page, which its class says (for the style and the browser tests)."""

    ASK = "ask"  # a question waiting for an answer: options, a text form
    ANSWERED = "answered"  # an edit: the question it answers, now marked right or wrong
    FEEDBACK = "feedback"  # what an answer got back, a notice, a hint
    SUMMARY = "summary"  # the end of a quiz


@dataclass(frozen=True)
class FormTarget:
    """Where the page's forms post and the CSRF token they carry ("" under Mini App sign-in, whose
    requests prove themselves with a header instead)."""

    url: str
    csrf: str


AudioUrl = Callable[[Audio], "str | None"]


def role_of(reply: Reply) -> Role:
    """A reply's role from its parts alone; the summary is told apart by the caller, who knows the
    quiz ended."""
    if reply.edit:
        return Role.ANSWERED
    if reply.poll is not None or reply.typed_answer is not None or _has_actions(reply.buttons):
        return Role.ASK
    return Role.FEEDBACK


def asks(reply: Reply) -> bool:
    return role_of(reply) is Role.ASK


def reply_html(reply: Reply, *, target: FormTarget, audio_url: AudioUrl, role: Role | None = None) -> Markup:
    """One reply as a block: its text, audio, poll, forms and notice, in the order a chat shows them."""
    role = role or role_of(reply)
    parts: list[Markup] = []
    if reply.text is not None:
        text_class = "question" if role is Role.ASK else "text"
        parts.append(Markup('<div class="{}">{}</div>').format(text_class, rich_text_html(reply.text)))
    if reply.notice and reply.text is None:
        parts.append(Markup('<p class="notice">{}</p>').format(reply.notice))
    if reply.audio is not None:
        parts.append(audio_html(reply.audio, audio_url))
    if reply.poll is not None:
        parts.append(poll_html(reply.poll, target))
    if reply.typed_answer is not None:
        parts.append(typed_answer_html(reply.typed_answer, target))
    if reply.buttons:
        parts.append(buttons_html(reply.buttons, target))
    return Markup('<div class="reply {}">{}</div>').format(role.value, Markup("").join(parts))


def replies_html(replies: Iterable[tuple[Reply, Role]], *, target: FormTarget, audio_url: AudioUrl) -> Markup:
    return Markup("\n").join(
        reply_html(reply, target=target, audio_url=audio_url, role=role) for reply, role in replies
    )


# --- text ----------------------------------------------------------------------------------------


def rich_text_html(text: RichText) -> Markup:
    """Lines of spans; an empty line starts a new paragraph, as in the chats."""
    paragraphs: list[list[Line]] = [[]]
    for line in text.lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(_line_html(line) for line in lines))
        for lines in paragraphs
        if lines
    )


def _line_html(line: Line) -> Markup:
    return Markup("").join(span_html(span) for span in line)


def span_html(span: Span) -> Markup:
    """A span with its styles; a link only to an http(s) address, else its text alone."""
    html = Markup(escape(span.text))
    for styled, tag in ((span.code, "code"), (span.italic, "em"), (span.bold, "strong")):
        if styled:
            html = Markup("<{0}>{1}</{0}>").format(Markup(tag), html)
    if span.spoiler:  # hidden until tapped or focused: predict first, then check
        html = Markup('<span class="spoiler" tabindex="0" title="点按显示">{}</span>').format(html)
    if span.url and span.url.startswith(SAFE_SCHEMES):
        html = Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(span.url, html)
    return html


# --- answers -------------------------------------------------------------------------------------


def buttons_html(buttons: Keyboard, target: FormTarget) -> Markup:
    rows = (
        Markup('<div class="row">{}</div>').format(
            Markup("").join(button_html(button, target) for button in row)
        )
        for row in buttons
    )
    return Markup('<div class="buttons">{}</div>').format(Markup("").join(rows))


def button_html(button: Button, target: FormTarget) -> Markup:
    """An action as a form of its own (it works without script, and a form sends its own fields
    whatever intercepts the submit); a link as a link; a chat-only deep link is left out."""
    if button.action is not None:
        return _form(target, {PRESSED_FIELD: button.action}, button.label)
    link = button.link
    if link and link.startswith(SAFE_SCHEMES):
        return Markup('<a class="button" href="{}" rel="noopener noreferrer">{}</a>').format(
            link, button.label
        )
    return Markup("")


def poll_html(poll: Poll, target: FormTarget) -> Markup:
    """A poll's question and its options; which one is right stays on the server."""
    question = Markup("<br>").join(escape(line) for line in poll.question.split("\n"))
    options = Markup("").join(
        _form(target, {"poll": poll.key, "option": str(index)}, option)
        for index, option in enumerate(poll.options)
    )
    return Markup('<div class="question">{}</div><div class="buttons choices">{}</div>').format(
        question, options
    )


def typed_answer_html(typed: TypedAnswer, target: FormTarget) -> Markup:
    return Markup(
        '<form class="answer" method="post" action="{url}">{csrf}'
        '<label><span class="prompt">{prompt}</span> '
        '<input type="text" name="text" lang="en" placeholder="{placeholder}" maxlength="{limit}" required'
        ' autocomplete="off" autocapitalize="off" autocorrect="off" spellcheck="false" autofocus></label> '
        '<button type="submit">提交 Submit</button></form>'
    ).format(
        url=target.url,
        csrf=_csrf(target),
        prompt=typed.prompt,
        placeholder=typed.placeholder,
        limit=MAX_TYPED,
    )


def audio_html(audio: Audio, audio_url: AudioUrl) -> Markup:
    """The sound with the browser's own controls (it plays without our script), preloading nothing."""
    url = audio_url(audio)
    if url is None:
        return Markup("")
    return Markup(
        '<div class="audio"><audio controls preload="none" src="{url}" title="{title}"></audio></div>'
    ).format(url=url, title=audio.title)


def _form(target: FormTarget, fields: dict[str, str], label: str) -> Markup:
    hidden = Markup("").join(
        Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
        for name, value in fields.items()
    )
    return Markup(
        '<form class="choice" method="post" action="{}">{}{}'
        '<button type="submit" class="option">{}</button></form>'
    ).format(target.url, _csrf(target), hidden, label)


def _csrf(target: FormTarget) -> Markup:
    if not target.csrf:
        return Markup("")
    return Markup('<input type="hidden" name="csrf" value="{}">').format(target.csrf)


def _has_actions(buttons: Keyboard) -> bool:
    return any(button.action is not None for row in buttons for button in row)

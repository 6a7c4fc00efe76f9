"""复习 on the page: the chats' quiz, run through the conversation core, shown as HTML.

The page is a thin adapter, not a second quiz: it turns a form into the `Incoming` a chat would
send (/quiz, a button's action payload, a poll vote, a typed word) from platform "web" in the
learner's own web chat, hands it to `Conversation.handle`, and shows the replies. So the questions,
the grading and the FSRS schedule are the chats' own: a word reviewed here is reviewed in Telegram.

Nothing a form says is trusted. Only the quiz's own answers may be posted (no other command or
button: the page must not become a way to run /deleteme); a question named in a form must belong
to this learner's web quiz, checked here before the core sees it (a vote on a group's poll would be
counted before the core asks whose it is); and the learner is the signed-in one, whom
`auth.web_identity` makes reachable as platform "web" before anything is handed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiohttp import web
from multidict import MultiDictProxy
from sqlmodel import Session

from bot.core import actions, quiz_view
from bot.core.actions import Action
from bot.core.commands import CommandRegistry
from bot.core.messages import Audio, ChatKind, Incoming, Invocation, PollAnswer, Reply
from bot.storage import quizzes
from bot.storage.tables import QuizState
from bot.web.reader.book_model import learner_day_end
from bot.web.reader.book_reads import due_count
from bot.web.reader.deps import READER, ReaderDeps
from bot.web.reader.private_page import render
from bot.web.reader.reply_html import MAX_TYPED, PRESSED_FIELD, FormTarget, Role, asks, replies_html, role_of
from bot.web.signin import auth
from bot.web.signin.auth import SignedIn
from lessons.audio import Synthesizer

REVIEW_URL = "/review"
WEB = auth.WEB_PLATFORM
ANSWERS = frozenset({actions.QUIZ_PICK, actions.QUIZ_HINT, actions.QUIZ_SKIP})  # what a form may press
SOUND_KEY = re.compile(r"[a-z][a-z0-9-]{0,20}-[0-9a-f]{40}")  # the voice cache's file names

NOT_AN_ANSWER = "这个请求不是复习里的作答，什么都没有改变。请点题目下面的按钮，或在输入框里写单词。"
EMPTY_ANSWER = "请先写出一个英文单词再提交 🙂"
TOO_LONG = f"答案太长了（最多 {MAX_TYPED} 个字符）。请只写那个英文单词。"
NO_COMMANDS = "这里只收答案，不收命令 🙂 请直接写英文单词（不要以 / 开头）。"
NOT_YOURS = "这道题不在你的复习里（或已经不存在了），什么都没有改变。点「开始复习」做你自己的。"


@dataclass(frozen=True)
class Answer:
    """A form turned into what a chat would have sent, and the question it names (if any)."""

    fields: dict[str, object] = field(default_factory=dict)
    question_id: int | None = None


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def routes() -> list[web.RouteDef]:
    return [
        web.get(REVIEW_URL, review_page),
        web.post(REVIEW_URL, review_answer),
        web.get(REVIEW_URL + "/audio/{key}.mp3", review_sound),
    ]


async def review_page(request: web.Request) -> web.Response:
    """The quiz in progress at its current question, or what is due and a button to begin."""
    who = await auth.require_signed_in(request)
    deps = request.app[READER]
    live = await auth.db(deps, lambda session: _live_quiz(session, deps, who.learner_id))
    replies = await _current_question(deps, who, live) if live is not None else []
    return await _page(request, deps, who, [(reply, role_of(reply)) for reply in replies])


async def review_answer(request: web.Request) -> web.Response:
    """开始复习, an option, a hint, "I don't know" or a typed word: the core's replies, then the
    question still waiting (if the replies did not bring one), all on one page."""
    who, form = await auth.require_form(request)
    deps = request.app[READER]
    parsed = answer_of(form, deps.conversation.commands)
    answer = parsed
    if isinstance(parsed, Answer):
        answer = await auth.db(deps, lambda session: _checked(session, deps, who.learner_id, parsed))
    if isinstance(answer, Refusal):
        return await _page(request, deps, who, [], refusal=answer)
    replies = await deps.conversation.handle(web_incoming(who, **answer.fields))
    live = await auth.db(deps, lambda session: _live_quiz(session, deps, who.learner_id))
    if live is not None and not any(asks(reply) for reply in replies):
        replies += await _current_question(deps, who, live)
    answered = answer.question_id is not None or "text" in answer.fields
    return await _page(request, deps, who, roles(replies, finished=answered and live is None))


async def review_sound(request: web.Request) -> web.StreamResponse:
    """A listening question's sentence, from the voice cache the chats' audio comes from. Public, as
    the lesson audio is (an <audio> element sends no Mini App header): the name is a hash of the
    spoken text, so only a page that showed the question knows it."""
    speaker = request.app[READER].services.shelf.speaker
    key = request.match_info["key"]
    if not isinstance(speaker, Synthesizer) or not SOUND_KEY.fullmatch(key):
        raise web.HTTPNotFound(text="没有这段录音。")
    path = speaker.config.cache_dir / f"{key}.mp3"
    if not path.is_file():
        raise web.HTTPNotFound(text="没有这段录音。")
    headers = {"Content-Type": "audio/mpeg", "Cache-Control": "public, max-age=86400"}
    return web.FileResponse(path, headers=headers)


def answer_of(form: MultiDictProxy[str], commands: CommandRegistry) -> Answer | Refusal:
    """What the form asks, if it is one of the quiz's own answers; a friendly refusal otherwise."""
    if "start" in form:
        return Answer({"command": Invocation("quiz")})
    if PRESSED_FIELD in form:
        return _pressed(form[PRESSED_FIELD])
    if "poll" in form:
        return _voted(form["poll"], form.get("option", ""))
    if "text" in form:
        return _typed(form["text"], commands)
    return Refusal(400, NOT_AN_ANSWER)


def _pressed(payload: str) -> Answer | Refusal:
    action = actions.decode(payload)
    question = actions.small_number(action.args[0], digits=12) if action.args else None
    if action.verb not in ANSWERS or question is None or len(payload.encode()) > actions.MAX_BYTES:
        return Refusal(400, NOT_AN_ANSWER)
    return Answer({"action": payload}, question)  # Incoming.action


def _voted(key: str, option: str) -> Answer | Refusal:
    question = quiz_view.question_id_of(key)
    choice = actions.small_number(option, digits=2)
    if question is None or choice is None:
        return Refusal(400, NOT_AN_ANSWER)
    return Answer({"poll_answer": PollAnswer(key, (choice,))}, question)


def _typed(text: str, commands: CommandRegistry) -> Answer | Refusal:
    word = " ".join(text.split())
    if not word:
        return Refusal(400, EMPTY_ANSWER)
    if len(word) > MAX_TYPED:
        return Refusal(400, TOO_LONG)
    if commands.parse(word) is not None:
        return Refusal(400, NO_COMMANDS)
    return Answer({"text": word, "answering": True})


def web_incoming(who: SignedIn, **fields: object) -> Incoming:
    """What the learner did, as from a private chat of their own on platform "web"."""
    return Incoming(
        platform=WEB,
        chat_id=web_chat(who.learner_id),
        user_id=auth.web_user_id(who.learner_id),
        chat_kind=ChatKind.PRIVATE,
        user_name=who.name,
        subscribe_with=None,  # the page cannot subscribe to a push: the summary says /quiz instead
        ref="web /review",
        **fields,  # type: ignore[arg-type]
    )


def web_chat(learner_id: int) -> str:
    return f"web-{learner_id}"


def roles(replies: list[Reply], *, finished: bool) -> list[tuple[Reply, Role]]:
    """Each reply's role; when an answer ended the quiz, its last message is the summary."""
    placed = [(reply, role_of(reply)) for reply in replies]
    if finished and len(placed) > 1 and placed[-1][1] is Role.FEEDBACK and placed[-1][0].text is not None:
        placed[-1] = (placed[-1][0], Role.SUMMARY)
    return placed


async def _current_question(deps: ReaderDeps, who: SignedIn, quiz_id: int) -> list[Reply]:
    """The question the quiz waits on, shown again through the core (its 开始 button on an open
    quiz carries on where it stands, and a question shown again keeps its first time)."""
    payload = Action(actions.QUIZ_START, (str(quiz_id),)).encode()
    replies = await deps.conversation.handle(web_incoming(who, action=payload))
    return [reply for reply in replies if asks(reply)]


def _checked(session: Session, deps: ReaderDeps, learner_id: int, answer: Answer) -> Answer | Refusal:
    """The learner made reachable as "web" for the core; a named question must be in their web chat."""
    auth.web_identity(session, learner_id=learner_id, now=deps.services.clock.now())
    if answer.question_id is None:
        return answer
    found = quizzes.question(session, answer.question_id)
    if found is None or (found[1].platform, found[1].chat_id) != (WEB, web_chat(learner_id)):
        return Refusal(403, NOT_YOURS)
    return answer


def _live_quiz(session: Session, deps: ReaderDeps, learner_id: int) -> int | None:
    """The learner's web quiz that is open now (made reachable as "web" first, for the core)."""
    quiz = quizzes.live_quiz(session, platform=WEB, chat_id=web_chat(learner_id))
    if quiz is None or quiz.id is None or quiz.state != QuizState.OPEN:
        return None
    auth.web_identity(session, learner_id=learner_id, now=deps.services.clock.now())
    return quiz.id


async def _page(
    request: web.Request,
    deps: ReaderDeps,
    who: SignedIn,
    shown: list[tuple[Reply, Role]],
    *,
    refusal: Refusal | None = None,
) -> web.Response:
    def due(session: Session) -> int:
        return due_count(
            session, learner_id=who.learner_id, by=learner_day_end(session, deps.services, who.learner_id)
        )

    target = FormTarget(REVIEW_URL, who.csrf)
    context = {
        "active": "words",
        "replies": replies_html(shown, target=target, audio_url=_sound_url),
        "asking": any(role is Role.ASK for _, role in shown),
        "due": await auth.db(deps, due),
        "refusal": refusal.message if refusal is not None else None,
    }
    return render("review.html", request, context, status=refusal.status if refusal else 200)


def _sound_url(audio: Audio) -> str | None:
    key = audio.key
    return f"{REVIEW_URL}/audio/{key}.mp3" if SOUND_KEY.fullmatch(key) else None

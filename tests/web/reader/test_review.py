"""复习 on the page: the chats' quiz through the conversation core. The same questions, the same
grading and the same FSRS schedule (a review here moves a card exactly as the same answer in a chat
would), the replies shown on one page, and nothing but the quiz's own answers accepted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from bs4 import BeautifulSoup, Tag
from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.learning.quiz_plan import QuestionKind
from bot.storage import quizzes
from bot.storage import vocabulary_book as book
from bot.storage.quizzes import Asked
from bot.storage.tables import Quiz, QuizAnswer, ReviewLog
from bot.web.reader.review import web_chat
from tests.core.fake_platform import FakeChat
from tests.core.quiz_support import answer, asked_now, card, save
from tests.web.reader.reader_support import Visitor, mini_app_visitor, session_visitor

pytestmark = pytest.mark.database_incidental

Sessions = Callable[[], Session]
Client = TestClient[web.Request, web.Application]
ME, OTHER = 1001, 2002  # Telegram user ids


@dataclass
class ReviewPage:
    """The review as a person sees it: the latest page, and its forms posted as a browser would."""

    client: Client
    visitor: Visitor
    sessions: Sessions
    html: BeautifulSoup = field(default_factory=lambda: BeautifulSoup("", "html.parser"))
    status: int = 0

    async def open(self) -> BeautifulSoup:
        return await self._load(await self.client.get("/review", headers=self.visitor.headers))

    async def start(self) -> BeautifulSoup:
        form = self.html.select_one("form#start-review") if self.html.select("form") else None
        fields = _fields(form) if form is not None else self.visitor.with_form(start="1")
        return await self.post(fields)

    async def post(self, fields: dict[str, str]) -> BeautifulSoup:
        response = await self.client.post("/review", data=fields, headers=self.visitor.headers)
        return await self._load(response)

    async def choose(self, label: str) -> BeautifulSoup:
        """Press the option (or hint, or "I don't know") labelled `label` on the question shown."""
        for button in self.html.select("#review button.option"):
            if button.get_text() == label:
                form = button.find_parent("form")
                assert isinstance(form, Tag)
                return await self.post(_fields(form))
        raise AssertionError(f"no option {label!r} on the page")

    async def type(self, text: str) -> BeautifulSoup:
        form = self.html.select_one("#review form.answer")
        assert form is not None, "no typed question on the page"
        return await self.post(_fields(form) | {"text": text})

    async def answer(self, *, right: bool) -> BeautifulSoup:
        """Answer the question on the page, right or wrong, the way its kind is answered."""
        asked = self.asked()
        if asked.kind.typed:
            return await self.type(asked.word.lemma if right else "zzzz")
        assert asked.correct is not None
        choice = asked.correct if right else (asked.correct + 1) % len(asked.options)
        return await self.choose(asked.options[choice])

    def asked(self) -> Asked:
        """The question the learner's web quiz waits on, as the bot itself knows it."""
        with self.sessions() as session:
            quiz = quizzes.live_quiz(session, platform="web", chat_id=web_chat(self.visitor.learner_id))
            assert quiz is not None and quiz.id is not None, "no quiz in progress"
            found = quizzes.current_question(session, quiz.id)
            assert found is not None
            return found

    def replies(self, role: str) -> list[str]:
        return [reply.get_text(" ", strip=True) for reply in self.html.select(f"#review .reply.{role}")]

    async def _load(self, response: object) -> BeautifulSoup:
        assert hasattr(response, "text") and hasattr(response, "status")
        self.status = response.status  # type: ignore[attr-defined]
        self.html = BeautifulSoup(await response.text(), "html.parser")  # type: ignore[attr-defined]
        return self.html


def _fields(form: Tag) -> dict[str, str]:
    return {str(field["name"]): str(field.get("value", "")) for field in form.select("input[type=hidden]")}


@pytest.fixture
def me(sessions: Sessions, clock: FixedClock) -> Visitor:
    return mini_app_visitor(sessions, telegram_id=ME, now=clock.now())


@pytest.fixture
def review(client: Client, me: Visitor, sessions: Sessions) -> ReviewPage:
    return ReviewPage(client, me, sessions)


def saved_for(sessions: Sessions, now: dt.datetime, telegram_id: int, *lemmas: str) -> None:
    save(sessions, now, *lemmas, platform="telegram", user_id=str(telegram_id))


def answers(sessions: Sessions) -> list[tuple[int, str]]:
    with sessions() as session:
        return [(row.question_id, row.outcome) for row in session.exec(select(QuizAnswer))]


# --- the quiz on the page ------------------------------------------------------------------------


async def test_start_asks_the_first_due_word_as_the_chat_would(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat")
    await review.open()
    assert review.html.select_one("#review form#start-review") is not None
    assert review.html.select_one("#review .count").get_text() == "1"  # type: ignore[union-attr]
    await review.start()
    asked = review.asked()
    assert review.status == 200 and asked.kind is QuestionKind.MEANING and asked.word.lemma == "moat"
    question = review.html.select_one("#review .reply.ask .question")
    assert question is not None and "「moat」在这句里是什么意思？" in question.get_text()
    assert asked.word.sentence_en and asked.word.sentence_en in question.get_text()
    options = [button.get_text() for button in review.html.select("#review button.option")]
    assert options == list(asked.options)
    assert review.html.select("#review form#start-review") == [], "no second quiz while this one waits"


@pytest.mark.parametrize("right", [True, False])
async def test_an_answer_on_the_page_moves_the_card_exactly_as_the_same_answer_in_a_chat(
    review: ReviewPage, conversation: Conversation, sessions: Sessions, clock: FixedClock, right: bool
) -> None:
    """Two learners with the same word and the same clock: one answers in Telegram, one on the page."""
    saved_for(sessions, clock.now(), OTHER, "moat")
    saved_for(sessions, clock.now(), ME, "moat")
    chat = FakeChat(conversation, chat_id=str(OTHER), user_id=str(OTHER), platform="telegram")
    await chat.say("/quiz")
    await review.start()
    clock.advance(dt.timedelta(seconds=9))
    await answer(chat, sessions, right=right)
    await review.answer(right=right)
    in_chat = card(sessions, "moat", platform="telegram", user_id=str(OTHER))
    on_page = card(sessions, "moat", platform="telegram", user_id=str(ME))
    assert in_chat.last_review == on_page.last_review == clock.now()
    assert (on_page.state, on_page.step, on_page.stability, on_page.difficulty, on_page.due) == (
        in_chat.state,
        in_chat.step,
        in_chat.stability,
        in_chat.difficulty,
        in_chat.due,
    )
    with sessions() as session:
        logs = session.exec(select(ReviewLog.rating, ReviewLog.question_type)).all()
    assert len(logs) == 2 and logs[0] == logs[1]
    feedback = review.replies("feedback")[0]
    assert feedback.startswith("✅ 对！ moat" if right else "❌ 正确答案： moat")


async def test_a_whole_review_cloze_and_typed_answers_then_the_summary(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat", "leverage", "engulf")  # meaning, cloze, then recall
    await review.start()
    await review.answer(right=True)
    assert review.asked().kind is QuestionKind.CLOZE
    assert review.replies("feedback")[0].startswith("✅ 对！ moat")
    await review.answer(right=True)
    answered = review.replies("answered")
    assert len(answered) == 1 and "✅" in answered[0] and "【leverage】" in answered[0], "the cloze, filled"
    asked = review.asked()
    assert asked.kind is QuestionKind.RECALL
    prompt = review.html.select_one("#review form.answer")
    assert prompt is not None and prompt.select_one("input[name=text]") is not None
    await review.type("「Engulfed」")  # an inflection, with the brackets a Chinese keyboard adds
    assert review.replies("feedback")[0].startswith("✅ 对！ engulf")
    (summary,) = review.replies("summary")
    assert "3/3 正确" in summary and "/quiz" in summary
    assert review.html.select_one("#review form#start-review") is not None, "another round may begin"


async def test_hint_and_i_dont_know_on_a_typed_question(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat", "leverage", "engulf")
    await review.start()
    await review.answer(right=True)
    await review.answer(right=True)
    typed = review.asked()
    await review.choose("💡 提示 hint")
    assert "e _ _ _ _ _" in review.replies("feedback")[0]
    assert review.asked().id == typed.id and review.html.select_one("#review form.answer") is not None, (
        "still asked"
    )
    await review.choose("🤷 不知道")
    feedback = review.replies("feedback")[0]
    assert feedback.startswith("❌ 正确答案： engulf") and "再出现一次" in feedback
    again = review.asked()
    assert again.redrill and again.word.lemma == "engulf"


async def test_an_answer_sent_twice_counts_once(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat")
    await review.start()
    first = review.asked()
    option_form = review.html.select_one("#review form.choice")
    assert option_form is not None
    fields = _fields(option_form)
    await review.post(fields)
    before = card(sessions, "moat", platform="telegram", user_id=str(ME))
    await review.post(fields)  # the browser's back button, the same form again
    assert review.status == 200 and any(
        "答过了" in text or "结束" in text for text in review.replies("feedback")
    )
    assert card(sessions, "moat", platform="telegram", user_id=str(ME)) == before
    assert [question for question, _ in answers(sessions)].count(first.id) == 1


async def test_a_wrong_typed_word_gets_the_right_one_and_comes_back_at_the_end(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat", "leverage", "engulf")
    await review.start()
    await review.answer(right=True)
    await review.answer(right=True)
    await review.type("zzzz")
    feedback = review.replies("feedback")[0]
    assert feedback.startswith("❌ 正确答案： engulf") and "你的答案：zzzz" in feedback
    assert review.asked().redrill and review.replies("ask")


async def test_a_word_typed_when_no_question_waits_changes_nothing(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat")
    await review.post(review.visitor.with_form(text="moat"))
    assert review.status == 200 and "这次测验已经结束了" in review.replies("feedback")[0]
    assert review.html.select_one("#review form#start-review") is not None and answers(sessions) == []


async def test_reopening_the_page_shows_the_question_still_waiting(
    review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat", "leverage")
    await review.start()
    await review.answer(right=True)
    waiting = review.asked()
    await review.open()
    assert review.status == 200 and review.asked().id == waiting.id
    assert [button.get_text() for button in review.html.select("#review button.option")] == list(
        waiting.options
    )


async def test_with_nothing_saved_the_review_says_how_to_begin(review: ReviewPage) -> None:
    await review.open()
    assert review.html.select(".reply") == [] and review.html.select_one("form#start-review") is not None
    await review.start()
    assert review.status == 200 and "还没有可以测验的词" in review.replies("feedback")[0]


async def test_listening_plays_the_sentence_from_the_page(
    review: ReviewPage, client: Client, sessions: Sessions, clock: FixedClock
) -> None:
    for lemma in ("moat", "leverage", "latency", "engulf"):  # meaning, cloze, recall, then listening
        saved_for(sessions, clock.now(), ME, lemma)
        clock.advance(dt.timedelta(minutes=1))
    await review.start()
    for _ in range(3):
        await review.answer(right=True)
    assert review.asked().kind is QuestionKind.LISTENING
    player = review.html.select_one("#review .reply.ask audio")
    assert player is not None and player["preload"] == "none"
    sound = await client.get(str(player["src"]))
    assert (
        sound.status == 200 and sound.headers["Content-Type"] == "audio/mpeg" and len(await sound.read()) > 0
    )
    assert "The wave _____ the town." in review.replies("ask")[0]
    await review.type("engulfed")
    assert "4/4 正确" in review.replies("summary")[0]


@pytest.mark.parametrize("key", ["nothing", "espeak-ng-" + "0" * 40, "..%2f..%2fetc%2fpasswd"])
async def test_a_sound_that_was_never_made_is_not_found(client: Client, key: str) -> None:
    assert (await client.get(f"/review/audio/{key}.mp3")).status == 404


# --- what the page refuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"pressed": "wu:1"},  # undo a forget: not a quiz answer
        {"pressed": "del:yes"},  # /deleteme's confirmation
        {"pressed": "qs:1"},  # start a pushed quiz
        {"pressed": "qn:1"},  # a group's quiz
        {"pressed": "qp"},
        {"pressed": "qp:x:1"},
        {"poll": "something-else:1", "option": "0"},
        {"poll": "quiz-question:1", "option": "x"},
        {"text": "/deleteme"},
        {"text": "   "},
        {"text": "w" * 101},
        {},
    ],
)
async def test_anything_but_a_quiz_answer_is_refused_and_changes_nothing(
    review: ReviewPage, sessions: Sessions, clock: FixedClock, fields: dict[str, str]
) -> None:
    saved_for(sessions, clock.now(), ME, "moat")
    with sessions() as session:
        (entry,) = book.export_entries(session, learner_id=review.visitor.learner_id)
        book.forget_word(session, learner_id=review.visitor.learner_id, lemma="moat", now=clock.now())
    await review.post(review.visitor.with_form(**fields))
    assert review.status == 400 and review.html.select_one("#review .refused") is not None
    assert review.html.select(".reply") == []
    with sessions() as session:
        assert book.count_words(session, learner_id=review.visitor.learner_id) == 0, "still forgotten"
        assert quizzes.live_quiz(session, platform="web", chat_id=web_chat(review.visitor.learner_id)) is None
    assert entry.id and answers(sessions) == []


async def test_someone_elses_question_cannot_be_answered_from_the_page(
    review: ReviewPage, conversation: Conversation, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), OTHER, "moat", "leverage")
    chat = FakeChat(conversation, chat_id=str(OTHER), user_id=str(OTHER), platform="telegram")
    await chat.say("/quiz")
    theirs = asked_now(sessions, chat)
    before = card(sessions, "moat", platform="telegram", user_id=str(OTHER))
    saved_for(sessions, clock.now(), ME, "moat")
    await review.start()
    assert theirs.correct is not None
    for forged in (
        {"poll": f"quiz-question:{theirs.id}", "option": str(theirs.correct)},
        {"pressed": f"qp:{theirs.id}:{theirs.correct}"},
        {"pressed": f"qk:{theirs.id}"},
    ):
        await review.post(review.visitor.with_form(**forged))
        assert review.status == 403 and "不在你的复习里" in review.html.get_text()
    assert asked_now(sessions, chat).id == theirs.id, "still waiting for its owner"
    assert card(sessions, "moat", platform="telegram", user_id=str(OTHER)) == before
    assert answers(sessions) == []


async def test_another_web_learners_question_is_refused_too(
    client: Client, review: ReviewPage, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), OTHER, "moat")
    other = ReviewPage(client, mini_app_visitor(sessions, telegram_id=OTHER, now=clock.now()), sessions)
    await other.start()
    theirs = other.asked()
    saved_for(sessions, clock.now(), ME, "leverage")
    await review.post(review.visitor.with_form(poll=f"quiz-question:{theirs.id}", option=str(theirs.correct)))
    assert review.status == 403 and other.asked().id == theirs.id and answers(sessions) == []


@pytest.mark.parametrize(("method", "fields"), [("GET", {}), ("POST", {"start": "1"})])
async def test_without_sign_in_the_review_is_401(
    client: Client, sessions: Sessions, clock: FixedClock, method: str, fields: dict[str, str]
) -> None:
    saved_for(sessions, clock.now(), ME, "moat")
    response = await client.request(method, "/review", data=fields or None)
    body = await response.text()
    assert response.status == 401 and "请先登录" in body and "moat" not in body
    with sessions() as session:
        assert session.exec(select(Quiz)).all() == [] and session.exec(select(QuizAnswer)).all() == []


async def test_a_browser_session_reviews_with_its_csrf_token_and_is_refused_without(
    client: Client, sessions: Sessions, clock: FixedClock
) -> None:
    saved_for(sessions, clock.now(), ME, "moat")
    browser = ReviewPage(client, session_visitor(sessions, telegram_id=ME, now=clock.now()), sessions)
    await browser.post({"start": "1", "csrf": "wrong"})
    assert browser.status == 403
    with sessions() as session:
        assert (
            quizzes.live_quiz(session, platform="web", chat_id=web_chat(browser.visitor.learner_id)) is None
        )
    await browser.open()
    await browser.start()
    assert browser.status == 200 and browser.asked().word.lemma == "moat"
    tokens = {str(field["value"]) for field in browser.html.select("#review form input[name=csrf]")}
    assert tokens == {browser.visitor.csrf}
    await browser.answer(right=True)
    assert browser.replies("feedback")[0].startswith("✅")

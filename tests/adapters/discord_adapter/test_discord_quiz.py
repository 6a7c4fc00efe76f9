"""A member's quiz on Discord, only they see it: choices as buttons, a typed word through a form
(typing in the channel would show it to everyone); and the two message commands, explain and
save words, on any message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.turn import Services
from bot.storage import quizzes
from bot.storage.tables import Quiz
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.discord_adapter.harness import School, running_adapter
from tests.core.quiz_support import quiz_services, save
from tests.fakes.discord_api import FakeDiscordServer, FakeInteraction, StoredMessage

Sessions = Callable[[], Session]
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
WORDS = ("moat", "leverage", "latency", "engulf")


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder, audio_dir: Path) -> Services:
    catalog = chat_support.bundled_catalog(tmp_path)
    plain = chat_support.services(catalog, builder, sessions, audio_dir)
    return quiz_services(replace(plain, clock=FixedClock(NOW)))


def shown(interaction: FakeInteraction) -> list[StoredMessage]:
    first = [interaction.message] if interaction.message is not None else []
    return [*first, *interaction.followups]


async def question_after(fake: FakeInteraction, server: FakeDiscordServer) -> StoredMessage | None:
    """The message with buttons the bot answered with (the next question), once it has come."""

    def found() -> tuple[StoredMessage | None] | None:
        messages = shown(fake)
        if any("测验完成" in message.content for message in messages):
            return (None,)
        with_buttons = [message for message in messages if message.custom_ids]
        return (with_buttons[-1],) if with_buttons else None

    (message,) = await server.wait_until(found, timeout=5, what="the next question or the summary")
    return message


def current(sessions: Sessions) -> quizzes.Asked:
    with sessions() as session:
        quiz = session.exec(select(Quiz).where(Quiz.state == "open")).one()
        assert quiz.id is not None
        asked = quizzes.current_question(session, quiz.id)
        assert asked is not None
        return asked


async def test_a_quiz_answered_by_buttons_and_by_a_form_moves_only_this_members_cards(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    save(sessions, NOW - dt.timedelta(days=1), *WORDS, platform="discord", user_id=str(world.student.id))
    async with running_adapter(services):
        started = await fake.slash_command("quiz", user_id=world.student.id, channel_id=world.general.id)
        await fake.wait_for_response(started)
        message = await question_after(started, fake)
        kinds: list[str] = []
        while message is not None:
            asked = current(sessions)
            kinds.append(asked.kind.value)
            assert message.ephemeral, "a member's quiz is theirs alone"
            answer_ids = [custom_id for custom_id in message.custom_ids if custom_id.startswith("answer:")]
            if answer_ids:
                press = await fake.press_button(message, answer_ids[0], user_id=world.student.id)
                await fake.wait_for_response(press)
                assert press.modal is not None and press.response_type == 9
                form = press
                step = await fake.submit_modal(press, {"text": asked.word.lemma})
            else:
                assert asked.correct is not None
                chosen = message.custom_ids[asked.correct] if asked.kind.value == "cloze" else None
                choice = chosen or next(
                    c for c in message.custom_ids if c.startswith(f"poll:{asked.correct}:")
                )
                step = await fake.press_button(message, choice, user_id=world.student.id)
            await fake.wait_for_response(step)
            assert "✅" in " ".join(m.content for m in shown(step)), [m.content for m in shown(step)]
            message = await question_after(step, fake)
        assert len(kinds) == 4 and {"meaning", "recall"} <= set(kinds), kinds
        late = await fake.submit_modal(form, {"text": "moat"})
        await fake.wait_for_response(late)
        assert late.ephemeral and late.content.startswith("这次测验已经结束了"), "an answer, never a question"
    assert fake.message_counts() == {}, "nothing of the quiz in the channel"


async def test_explain_and_save_words_from_any_message(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        posted = fake.post_user_message(world.general.id, world.teacher.id, "Data is the moat.")
        explained = await fake.message_command("Explain with BuildSpeak", posted, user_id=world.student.id)
        await fake.wait_for_response(explained)
        assert explained.ephemeral and "moat" in " ".join(m.content for m in shown(explained))

        opened = await fake.message_command("Save words", posted, user_id=world.student.id)
        await fake.wait_for_response(opened)
        assert opened.modal is not None and opened.response_type == 9
        saved = await fake.submit_modal(opened, {"text": "moat"})
        await fake.wait_for_response(saved)
        assert saved.ephemeral and "moat" in saved.content
        words = await fake.slash_command("words", user_id=world.student.id, channel_id=world.general.id)
        assert "moat" in (await fake.wait_for_response(words)).content

"""The daily lesson posted in a server's channel through the real discord.py client and the
local fake Discord: once a day per server, with its thread, within Discord's limits; a 429 is
waited out with nothing lost; a channel the bot may no longer post in stops the push there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session, select

from bot.adapters.discord import DiscordConfig
from bot.adapters.discord_push import DiscordPushSender
from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.delivery.broadcast import PushConfig, Pusher
from bot.delivery.content import DailyLessons
from bot.delivery.quiz_content import DailyQuizzes
from bot.delivery.quiz_results import GroupQuizResults
from bot.runtime.discord import discord_pacer
from bot.storage import quizzes
from bot.storage.tables import Quiz, Subscriber
from tests.adapters.discord_adapter.harness import (
    Running,
    School,
    running_adapter,
)
from tests.chat_support import MORNING
from tests.core.quiz_support import save
from tests.delivery.push_support import ledger
from tests.fakes.discord_api import TOKEN, FakeDiscordServer, Overwrite, Permission

Sessions = Callable[[], Session]
MESSAGES = "POST /channels/{channel_id}/messages"


async def set_up(fake: FakeDiscordServer, world: School) -> None:
    """The teacher subscribes the server: the lessons channel, 08:00 Shanghai (09:00 there now)."""
    await set_up_in(fake, world, world.lessons.id)


async def set_up_in(fake: FakeDiscordServer, world: School, channel_id: int) -> None:
    options = {"channel": channel_id, "time": "08:00", "timezone": "Asia/Shanghai"}
    asked = await fake.slash_command(
        "buildspeak setup", user_id=world.teacher.id, channel_id=world.general.id, options=options
    )
    assert "设置" in (await fake.wait_for_response(asked)).content


def pusher(services: Services, running: Running) -> Pusher:
    references = Conversation(services).references
    pacer = discord_pacer(DiscordConfig(token=TOKEN))
    sender = DiscordPushSender(running.client, references, running.adapter.buttons, pacer)
    return Pusher(
        sender=sender,
        content=DailyLessons(services.shelf),
        sessions=services.sessions,
        clock=services.clock,
        config=PushConfig(),
    )


async def set_up_with_quiz_at_0830(fake: FakeDiscordServer, world: School) -> None:
    """The server set up as `set_up` does, its quiz post at 08:30 (due now, at 09:00 there)."""
    await set_up(fake, world)
    teacher, general = world.teacher.id, world.general.id
    quiz_time = await fake.slash_command(
        "buildspeak quiztime", user_id=teacher, channel_id=general, options={"time": "08:30"}
    )
    assert "08:30" in (await fake.wait_for_response(quiz_time)).content


def server_status(sessions: Sessions, world: School) -> str:
    with sessions() as session:
        found = session.exec(select(Subscriber).where(Subscriber.chat_id == str(world.guild.id))).one()
        return found.status


async def test_the_lesson_is_posted_once_with_its_thread_and_a_way_into_private_study(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services) as running:
        await set_up(fake, world)
        report = await pusher(services, running).run_once()
        assert report.sent == 1
        (post,) = fake.messages(world.lessons.id)
        (embed,) = post.embeds
        assert "📅 第" in embed["description"] and "||" in embed["description"], "Chinese as spoilers"
        (thread,) = fake.threads(world.lessons.id)
        assert thread.name.startswith("讨论 · 第 ") and thread.name.endswith(" 课")
        assert (await pusher(services, running).run_once()).sent == 0, "once a day per server"
        assert len(fake.messages(world.lessons.id)) == 1
        (row,) = ledger(sessions)[str(world.guild.id)]
        assert row.state == "sent" and row.message_id == str(post.id)

        (spoken,) = post.attachments
        assert spoken.filename.endswith(".mp3") and len(spoken.content) > 1000, "the whole text, spoken"
        assert [button["label"] for button in post.buttons] == ["📖 开始学习", "📝 今日测验"]
        study, quiz = post.custom_ids
        press = await fake.press_button(post, study, user_id=world.student.id)
        await fake.wait_for_response(press)
        assert press.ephemeral and press.response_type == 4 and "【1/" in press.content
        assert post.edits == 0, "the channel's post is everyone's: a member's press never changes it"
        press = await fake.press_button(post, quiz, user_id=world.student.id)
        await fake.wait_for_response(press)
        assert press.ephemeral and "还没有可以测验的词" not in press.content, "the lesson just read is asked"


async def test_a_429_on_the_post_is_waited_out_and_nothing_is_lost_or_doubled(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services) as running:
        await set_up(fake, world)
        fake.fail_next(MESSAGES, 429, retry_after=0.3)
        report = await pusher(services, running).run_once()
        assert report.sent == 1 and fake.rate_limited_count == 1
        assert len(fake.messages(world.lessons.id)) == 1


async def test_a_channel_the_bot_may_no_longer_post_in_stops_the_push_there(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services) as running:
        await set_up(fake, world)
        bot_role = fake.bot_role(world.guild.id)
        fake.set_overwrites(world.lessons.id, [Overwrite.role(bot_role.id, deny=Permission.SEND_MESSAGES)])
        report = await pusher(services, running).run_once()
        assert report.blocked == 1 and fake.messages(world.lessons.id) == []
        assert server_status(sessions, world) == "blocked"
        (told,) = fake.messages(fake.dm_channel(world.teacher.id).id)
        assert "缺少这些权限：发送消息" in told.content and "/buildspeak setup" in told.content
        status = await fake.slash_command(
            "buildspeak status", user_id=world.teacher.id, channel_id=world.general.id
        )
        assert "无法送达" in (await fake.wait_for_response(status)).content, "the next command says so too"


async def test_a_deleted_channel_stops_the_push_and_its_admin_hears_why(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services) as running:
        await set_up(fake, world)
        fake.delete_channel(world.lessons.id)
        report = await pusher(services, running).run_once()
        assert report.blocked == 1 and server_status(sessions, world) == "blocked"
        (told,) = fake.messages(fake.dm_channel(world.teacher.id).id)
        assert "已被删除" in told.content
        await set_up_in(fake, world, world.general.id)
        assert server_status(sessions, world) == "active", "setting up again brings the push back"
        assert (await pusher(services, running).run_once()).sent == 1, "today's lesson, today"
        assert len(fake.messages(world.general.id)) == 1, "in the channel chosen now"
        assert (await pusher(services, running).run_once()).sent == 0, "and once"
        clock = services.clock
        assert isinstance(clock, FixedClock)
        clock.advance(dt.timedelta(days=1))
        assert (await pusher(services, running).run_once()).sent == 1
        assert len(fake.messages(world.general.id)) == 2, "tomorrow's lesson there too"


def quiz_pusher(services: Services, running: Running) -> Pusher:
    assert services.quizzes is not None
    content = DailyQuizzes(
        services.shelf, services.quizzes, services.sessions, services.clock,
        default_zone="Asia/Shanghai", members_alone=["discord"],
    )  # fmt: skip
    lessons = pusher(services, running)
    return Pusher(
        sender=lessons.sender, content=content, sessions=services.sessions, clock=services.clock,
        config=PushConfig(),
    )  # fmt: skip


async def test_the_quiz_post_starts_each_members_own_quiz_and_the_scoreboard_goes_in_the_thread(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    student = str(world.student.id)
    save(sessions, MORNING - dt.timedelta(days=1), "moat", "leverage", platform="discord", user_id=student)
    async with running_adapter(services) as running:
        await set_up_with_quiz_at_0830(fake, world)
        lessons = pusher(services, running)
        assert (await lessons.run_once()).sent == 1
        (thread,) = fake.threads(world.lessons.id)
        assert (await quiz_pusher(services, running).run_once()).sent == 1
        _, post = fake.messages(world.lessons.id)
        (embed,) = post.embeds
        assert "今日测验" in embed["description"] and "只有你自己看得到" in embed["description"]
        (start,) = post.custom_ids

        mine = await fake.press_button(post, start, user_id=world.student.id)
        await fake.wait_for_response(mine)
        assert mine.ephemeral and mine.message is not None and "1/2" in mine.message.content
        right = current_choice(sessions)
        answered = await fake.press_button(mine.message, right, user_id=world.student.id)
        await fake.wait_for_response(answered)
        assert "✅" in answered.content
        theirs = await fake.press_button(post, start, user_id=world.teacher.id)
        await fake.wait_for_response(theirs)
        assert theirs.ephemeral and "moat" not in theirs.content, "the teacher has saved nothing"
        assert post.edits == 0 and len(fake.messages(world.lessons.id)) == 2

        results = GroupQuizResults({"discord": lessons.sender}, sessions, services.clock)
        assert await results.run_once() == 0, "not before the quiz post's hour is up"
        clock = services.clock
        assert isinstance(clock, FixedClock)
        clock.advance(dt.timedelta(minutes=61))
        assert await results.run_once() == 1
        (board,) = fake.messages(thread.id)
        (scores,) = board.embeds
        assert "今日测验成绩" in scores["description"] and "1 人参与" in scores["description"]
        assert "🥇" in scores["description"] and "1/1" in scores["description"]
        assert len(fake.messages(world.lessons.id)) == 2, "the scoreboard goes in the thread"


def current_choice(sessions: Sessions) -> str:
    """The custom id of the right option of the question the student sees now."""
    with sessions() as session:
        quiz = session.exec(select(Quiz).where(Quiz.state == "open", Quiz.learner_id.is_not(None))).one()
        assert quiz.id is not None
        asked = quizzes.current_question(session, quiz.id)
    assert asked is not None and asked.correct is not None
    return f"poll:{asked.correct}:quiz-question:{asked.id}"


async def dm_on(fake: FakeDiscordServer, world: School, **options: object) -> str:
    asked = await fake.slash_command(
        "buildspeak dm",
        user_id=world.student.id,
        channel_id=world.general.id,
        options={"switch": "on", **options},
    )
    answer = await fake.wait_for_response(asked)
    assert answer.ephemeral, "the member's own setting: only they see the answer"
    return answer.content


async def test_a_member_who_turns_dms_on_gets_their_quiz_by_dm_and_answers_it_there(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    student = str(world.student.id)
    save(sessions, MORNING - dt.timedelta(days=1), "moat", "leverage", platform="discord", user_id=student)
    async with running_adapter(services) as running:
        await set_up(fake, world)
        said = await dm_on(fake, world, time="08:30")
        assert "每天 08:30（Asia/Shanghai" in said and "/buildspeak dm off" in said
        assert (await pusher(services, running).run_once()).sent == 1, "the server's lesson only: no DM copy"
        assert (await quiz_pusher(services, running).run_once()).sent == 1
        dm = fake.dm_channel(world.student.id)
        (invitation,) = fake.messages(dm.id)
        assert "2" in invitation.content and not invitation.ephemeral
        start = next(c for c in invitation.custom_ids if c.startswith("qs:"))
        started = await fake.press_button(invitation, start, user_id=world.student.id)
        await fake.wait_for_response(started)
        question = started.message if started.message is not None else started.followups[-1]
        assert "1/2" in question.content and not question.ephemeral, "in DMs there is no one else"
        answered = await fake.press_button(question, current_choice(sessions), user_id=world.student.id)
        await fake.wait_for_response(answered)
        assert "✅" in " ".join(
            m.content for m in [*([answered.message] if answered.message else []), *answered.followups]
        )
        assert (await quiz_pusher(services, running).run_once()).sent == 0, "once a day"


async def test_closed_dms_stop_the_dm_quiz_and_the_channel_button_still_serves(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    student = str(world.student.id)
    save(sessions, MORNING - dt.timedelta(days=1), "moat", "leverage", platform="discord", user_id=student)
    async with running_adapter(services) as running:
        await set_up_with_quiz_at_0830(fake, world)
        await dm_on(fake, world)
        fake.close_dms(world.student.id)
        assert (await pusher(services, running).run_once()).sent == 1
        report = await quiz_pusher(services, running).run_once()
        assert report.blocked == 1 and report.sent == 1, "the DM failed; the server's quiz post went out"
        assert fake.messages(fake.dm_channel(world.student.id).id) == []
        with sessions() as session:
            mine = session.exec(select(Subscriber).where(Subscriber.chat_id == student)).one()
        assert mine.status == "blocked"
        post = fake.messages(world.lessons.id)[-1]
        (start,) = post.custom_ids
        pressed = await fake.press_button(post, start, user_id=world.student.id)
        await fake.wait_for_response(pressed)
        assert pressed.ephemeral and pressed.message is not None and "1/2" in pressed.message.content
        fake.close_dms(world.student.id, closed=False)
        assert "每天 08:30" in await dm_on(fake, world), "turning it on again brings it back"
        with sessions() as session:
            mine = session.exec(select(Subscriber).where(Subscriber.chat_id == student)).one()
        assert mine.status == "active"

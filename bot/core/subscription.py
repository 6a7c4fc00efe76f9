"""Subscribing and the subscriber's settings: /start /time /tz /pause /resume /stop /deleteme.

In a group the group is the subscriber; anyone may subscribe it, only its
admins may change or stop it. Bad input gets an example and changes nothing.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from bot.core import actions, lesson_view, quiz, reading, texts
from bot.core.actions import Action, small_number
from bot.core.messages import Button, Reply, RichText, keyboard
from bot.core.references import CHANNEL, SET_UP_BY
from bot.core.shelf import DayLesson
from bot.core.times import QUIZ_TIME_EXAMPLE, TIME_EXAMPLE, format_time_of_day, parse_time_of_day
from bot.core.timezones import TIMEZONE_EXAMPLES, describe_zone, parse_timezone
from bot.core.turn import Turn
from bot.storage import push_ledger, references
from bot.storage.learners import PREFERENCES, update_learner
from bot.storage.subscribers import forget_user, subscribe, update_subscriber
from bot.storage.tables import Subscriber, SubscriberStatus

QUIZ_OFF = frozenset({"off", "关", "关闭", "不要", "none", "no"})
STATUS_LABELS = {
    SubscriberStatus.ACTIVE: "订阅中",
    SubscriberStatus.PAUSED: "已暂停",
    SubscriberStatus.BLOCKED: "已停止（无法送达）",
    SubscriberStatus.STOPPED: "已退订",
}


def respelled(turn: Turn, example: str) -> str:
    """An example written with "/time 07:30", as this platform types the command ("/buildspeak
    time 07:30" in a Discord server)."""
    for name in ("quiztime", "time", "tz"):
        spelled = turn.spell(name)
        if spelled is not None and spelled != f"/{name}":
            example = re.sub(rf"/{name}\b", spelled, example)
    return example


def _say(text: str) -> list[Reply]:
    return [Reply(RichText.of(*text.split("\n")))]


def _only_for_asker(text: str) -> list[Reply]:
    """A refusal is the asker's business, not the group's."""
    return [reply.for_asker() for reply in _say(text)]


async def start(turn: Turn) -> list[Reply]:
    """Subscribe (or come back), then open a lesson if the link that brought them named one.

    A link from a group post's buttons (`/start d12`: 开始学习 on day 12; `/start quiz`: 今日测验)
    leaves an existing subscription as it is: tapping it is not asking to resume a paused one.
    In a group, only an admin may bring back a paused or stopped subscription.
    """
    existing = await turn.db(turn.subscriber)
    was = existing.status if existing else None
    linked = await _linked(turn, existing)
    if existing is not None and linked:
        return linked
    if was not in (None, SubscriberStatus.ACTIVE) and turn.is_group and not await turn.incoming.is_admin():
        return _only_for_asker(texts.ADMINS_ONLY)
    subscriber, created = await turn.db(lambda session: _subscribe(turn, session))
    return [*_welcome(turn, subscriber, created, was=was), *linked]


async def _linked(turn: Turn, subscriber: Subscriber | None) -> list[Reply]:
    """What the link that brought them opens: a day's lesson, or their quiz; nothing for a plain
    /start (or a day that has not come)."""
    if turn.arg("payload") == lesson_view.QUIZ_PAYLOAD:
        return await quiz.quiz_command(turn)
    linked = _linked_day(turn, subscriber)
    if linked is None:
        return []
    await reading.note_reading(turn, linked.lesson.id, 1)  # card 1: what a question typed next is about
    return [reading.open_day(turn, linked)]


def subscribe_this_chat(turn: Turn, session: Session) -> tuple[Subscriber, bool]:
    """The chat written from, subscribed (or back again, its settings kept); True when it is new."""
    incoming = turn.incoming
    return subscribe(
        session,
        platform=incoming.platform,
        chat_id=incoming.chat_id,
        user_id=incoming.user_id,
        chat_kind=incoming.chat_kind.value,
        title=incoming.user_name,
        now=turn.now,
    )


def _subscribe(turn: Turn, session: Session) -> tuple[Subscriber, bool]:
    subscriber, created = subscribe_this_chat(turn, session)
    if created:
        subscriber = _apply_defaults(turn, session, subscriber)
    return subscriber, created


def _apply_defaults(turn: Turn, session: Session, subscriber: Subscriber) -> Subscriber:
    """A new group starts with the bot's defaults; a person's private chat with their own preferences."""
    defaults = turn.services.defaults
    zone, lesson_time, quiz_time = defaults.timezone, defaults.lesson_time, defaults.quiz_time
    if not turn.is_group:
        learner = turn.learner(session)
        zone, lesson_time = learner.timezone or zone, learner.lesson_time or lesson_time
        quiz_time = learner.quiz_time or quiz_time
    return update_subscriber(
        session, subscriber, now=turn.now, timezone=zone, lesson_time=lesson_time, quiz_time=quiz_time
    )


def _welcome(turn: Turn, subscriber: Subscriber, created: bool, was: str | None) -> list[Reply]:
    when = format_time_of_day(subscriber.lesson_time or turn.services.defaults.lesson_time)
    if created:
        quiz = format_time_of_day(subscriber.quiz_time) if subscriber.quiz_time else None
        return _say(texts.welcome(when, subscriber.timezone, group=turn.is_group, quiz_time=quiz))
    if was == SubscriberStatus.ACTIVE:
        return _say("你已经订阅了 ✅\n" + settings_summary(turn, subscriber))
    return _say("欢迎回来！推送已恢复 ✅\n" + settings_summary(turn, subscriber))


def _linked_day(turn: Turn, subscriber: Subscriber | None) -> DayLesson | None:
    """`/start d12` (from a group's 开始学习 button) opens day 12, if it has come."""
    payload = turn.arg("payload")
    number = small_number(payload[1:]) if payload.startswith("d") else None
    return turn.services.shelf.day_number(number, turn.today(subscriber)) if number else None


def settings_summary(turn: Turn, subscriber: Subscriber) -> str:
    zone = describe_zone(subscriber.timezone, turn.now)
    status = STATUS_LABELS[SubscriberStatus(subscriber.status)]
    quiz = format_time_of_day(subscriber.quiz_time) if subscriber.quiz_time else "关闭"
    lesson = format_time_of_day(subscriber.lesson_time) if subscriber.lesson_time else "无（只有测验）"
    return f"每日推送：{lesson} · 测验：{quiz} · 时区：{zone} · 状态：{status}"


async def _refusal(turn: Turn) -> list[Reply] | None:
    """Why this person may not change the chat's subscription, if they may not.

    Asked before any session opens: the admin check is a network call, and a
    database connection must not wait on it.
    """
    if turn.is_group and not await turn.incoming.is_admin():
        return _only_for_asker(texts.ADMINS_ONLY)
    return None


def _changeable(turn: Turn, session: Session) -> Subscriber | list[Reply]:
    """The subscriber to change, or the reply that says there is none."""
    subscriber = turn.subscriber(session)
    if subscriber is None or subscriber.status == SubscriberStatus.STOPPED:
        return _say(texts.not_subscribed(turn.incoming.subscribe_with))
    return subscriber


async def setup(turn: Turn) -> list[Reply]:
    """/setup [HH:MM] [timezone]: subscribe the chat and set its lesson time and timezone in one
    go, as a server's admin does on Discord (/buildspeak setup). Both are checked before anything
    changes; a paused or stopped subscription is brought back. A platform whose chats post into
    one of several channels (a Discord server) names it as `channel`: kept with the references."""
    if refused := await _refusal(turn):
        return refused
    typed_time, typed_zone = turn.arg("time"), turn.arg("timezone")
    lesson_time = parse_time_of_day(typed_time) if typed_time else None
    if typed_time and lesson_time is None:
        return _say(f"看不懂这个时间：{typed_time}。{respelled(turn, TIME_EXAMPLE)}")
    zone = parse_timezone(typed_zone) if typed_zone else None
    if typed_zone and zone is None:
        return _say(f"不认识这个时区：{typed_zone}。{respelled(turn, TIMEZONE_EXAMPLES)}")

    def apply(session: Session) -> tuple[Subscriber, bool]:
        before = turn.subscriber(session)
        was = before.status if before is not None else None  # read now: the same row changes below
        subscriber, created = _subscribe(turn, session)
        if was == SubscriberStatus.BLOCKED and subscriber.id is not None:
            # It stopped because the chat refused a post; set up again, today's post comes today.
            today = turn.today(subscriber)
            push_ledger.retry_blocked(session, subscriber_id=subscriber.id, local_date=today)
        changes = {"lesson_time": lesson_time, "timezone": zone, "status": SubscriberStatus.ACTIVE.value}
        chosen = {name: value for name, value in changes.items() if value is not None}
        if channel := turn.arg("channel"):
            incoming = turn.incoming
            where = {"platform": incoming.platform, "kind": CHANNEL, "key": incoming.chat_id}
            references.replace(session, **where, value=channel, now=turn.now)
            by = {**where, "kind": SET_UP_BY}  # told if the channel stops taking the posts
            references.replace(session, **by, value=incoming.user_id, now=turn.now)
        return update_subscriber(session, subscriber, now=turn.now, **chosen), created

    subscriber, created = await turn.db(apply)
    where = "你选的频道" if turn.arg("channel") else "这里"
    head = f"设置完成 ✅ 每天会在{where}推送当天的课。" if created else "设置已更新 ✅"
    return _say(head + "\n" + settings_summary(turn, subscriber))


async def status(turn: Turn) -> list[Reply]:
    """The chat's subscription as it stands: times, timezone, whether it is paused."""
    subscriber = await turn.db(turn.subscriber)
    if subscriber is None or subscriber.status == SubscriberStatus.STOPPED:
        return _say(texts.not_subscribed(turn.incoming.subscribe_with))
    return _say(settings_summary(turn, subscriber))


async def set_time(turn: Turn) -> list[Reply]:
    typed = turn.arg("time")
    chosen = parse_time_of_day(typed) if typed else None
    if chosen is None:
        given = f"看不懂这个时间：{typed}。" if typed else "请告诉我时间。"
        return _say(f"{given}{respelled(turn, TIME_EXAMPLE)}")
    return await _change(turn, f"好的，每天 {format_time_of_day(chosen)} 推送 ⏰", lesson_time=chosen)


async def set_quiz_time(turn: Turn) -> list[Reply]:
    """/quiztime HH:MM, or /quiztime off: when the evening quiz comes, or no pushed quiz at all."""
    typed = turn.arg("time")
    if typed.strip().lower() in QUIZ_OFF:
        done = "好的，不再推送每日测验。想复习时随时发送 /quiz；/quiztime 21:00 重新打开。"
        return await _change(turn, done, quiz_time=None)
    chosen = parse_time_of_day(typed) if typed else None
    if chosen is None:
        given = f"看不懂这个时间：{typed}。" if typed else "请告诉我测验时间。"
        return _say(f"{given}{respelled(turn, QUIZ_TIME_EXAMPLE)}")
    return await _change(turn, f"好的，每天 {format_time_of_day(chosen)} 推送测验 🧠", quiz_time=chosen)


async def set_timezone(turn: Turn) -> list[Reply]:
    wanted = turn.arg("zone")
    zone = parse_timezone(wanted) if wanted else None
    if zone is None:
        given = f"不认识这个时区：{wanted}。" if wanted else "请告诉我时区。"
        return _say(f"{given}{respelled(turn, TIMEZONE_EXAMPLES)}")
    return await _change(turn, "时区已更新 🌏", timezone=zone)


async def pause(turn: Turn) -> list[Reply]:
    return await _set_status(
        turn, SubscriberStatus.PAUSED, "已暂停每日推送。/resume 恢复；/today 随时可以学。"
    )


async def resume(turn: Turn) -> list[Reply]:
    return await _set_status(turn, SubscriberStatus.ACTIVE, "每日推送已恢复 ✅")


async def stop(turn: Turn) -> list[Reply]:
    return await _set_status(
        turn,
        SubscriberStatus.STOPPED,
        "已退订，不再推送。你的数据（生词本等）仍然保留：/start 重新订阅，/deleteme 删除全部数据。",
    )


async def _set_status(turn: Turn, status: SubscriberStatus, done: str) -> list[Reply]:
    return await _change(turn, done, status=status.value)


async def _change(turn: Turn, done: str, **changes: object) -> list[Reply]:
    """Apply a settings change the person may make, then say so with the settings as they now stand."""
    if refused := await _refusal(turn):
        return refused

    def change(session: Session) -> list[Reply]:
        found = _changeable(turn, session)
        if isinstance(found, list):
            return found
        if changes.get("status") == found.status:
            return _say(f"状态没有变化：{STATUS_LABELS[SubscriberStatus(found.status)]}。")
        subscriber = update_subscriber(session, found, now=turn.now, **changes)
        if not turn.is_group:
            _remember_preferences(turn, session, changes)
        return _say(done + "\n" + settings_summary(turn, subscriber))

    return await turn.db(change)


def _remember_preferences(turn: Turn, session: Session, changes: dict[str, object]) -> None:
    """A private chat's timezone and lesson time are the person's own: their learner keeps them,
    so their day (question budget, reviews) follows them into groups and other platforms."""
    preferences = {
        name: value for name, value in changes.items() if name in PREFERENCES and value is not None
    }
    if preferences:
        update_learner(session, turn.learner(session), now=turn.now, **preferences)


async def removed(turn: Turn) -> list[Reply]:
    """The platform says we can no longer write here (blocked, kicked): stop pushing, keep the data.

    Only an active subscriber becomes blocked: a paused or stopped choice must survive a block and an unblock.
    """
    return await _platform_transition(turn, SubscriberStatus.ACTIVE, SubscriberStatus.BLOCKED)


async def returned(turn: Turn) -> list[Reply]:
    """Unblocked: a subscriber we had marked blocked gets lessons again; nobody else is subscribed by it."""
    return await _platform_transition(turn, SubscriberStatus.BLOCKED, SubscriberStatus.ACTIVE)


async def _platform_transition(turn: Turn, before: SubscriberStatus, after: SubscriberStatus) -> list[Reply]:
    """What the platform did, recorded silently: nobody asked, so nothing is said."""

    def record(session: Session) -> None:
        subscriber = turn.subscriber(session)
        if subscriber is not None and subscriber.status == before:
            update_subscriber(session, subscriber, now=turn.now, status=after.value)

    await turn.db(record)
    return []


async def delete_me(turn: Turn) -> list[Reply]:
    """Ask first: erasing cannot be undone."""
    if turn.is_group:
        return _say(texts.PRIVATE_ONLY)
    confirm = Button("确认删除", action=Action(actions.DELETE, ("yes",)).encode())
    cancel = Button("取消", action=Action(actions.DELETE, ("no",)).encode())
    text = "确定要删除你的全部数据吗？订阅、学习记录和生词本都会被永久删除，无法恢复。"
    return [Reply(RichText.of(text), buttons=keyboard([confirm, cancel]))]


async def delete_confirmed(turn: Turn, answer: str) -> list[Reply]:
    if answer != "yes" or turn.is_group:
        return [Reply(RichText.of("已取消，什么都没有删除。"), edit=True)]
    incoming = turn.incoming
    removed = await turn.db(
        lambda session: forget_user(
            session, platform=incoming.platform, user_id=incoming.user_id, chat_id=incoming.chat_id
        )
    )
    text = f"已删除你的全部数据（{removed} 条记录）。再见 👋 想回来时发送 /start。"
    return [Reply(RichText.of(text), edit=True)]


async def help_(turn: Turn) -> list[Reply]:
    offered = turn.commands.help_lines(lambda command: turn.spell(command.name)) if turn.commands else []
    text = texts.help_text(offered)
    subscriber = await turn.db(turn.subscriber)
    if subscriber is not None:
        text += "\n\n" + settings_summary(turn, subscriber)
    return _say(text)

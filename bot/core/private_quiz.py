"""A member's daily quiz in their private chat with the bot, when their lessons come in a shared
channel (a Discord server's): `/buildspeak dm on [HH:MM]`, `/buildspeak dm off`.

The member's private chat becomes a subscription to the quiz alone (no lesson time: the lesson is
the server's post). It takes the member's own quiz time and timezone when they have set them, else
the server's they asked from, else the bot's. Where a chat subscribes itself (a Telegram private
chat) the quiz is already part of its subscription, and the command says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from bot.core.messages import Reply, RichText
from bot.core.subscription import subscribe_this_chat
from bot.core.times import format_time_of_day, parse_time_of_day
from bot.core.timezones import describe_zone
from bot.core.turn import Turn
from bot.storage.subscribers import find_subscriber, update_subscriber
from bot.storage.tables import Learner, Subscriber, SubscriberStatus

ON = frozenset({"on", "开", "开启", "打开", "yes", "要"})
OFF = frozenset({"off", "关", "关闭", "不要", "no", "none"})


@dataclass(frozen=True)
class Schedule:
    """When a member's quiz comes: a time of day in a timezone."""

    quiz_time: dt.time
    timezone: str


async def dm(turn: Turn) -> list[Reply]:
    """on [HH:MM] / off; anything else gets the usage and changes nothing."""
    spelled = turn.spell("dm") or "/dm"
    if turn.is_group or turn.incoming.subscribe_with is not None:
        return _say(NOT_HERE.format(start=turn.incoming.subscribe_with or "/start"))
    switch = turn.arg("switch").strip().lower()
    typed = turn.arg("time")
    at = parse_time_of_day(typed) if typed else None
    if switch in ON and (at is not None or not typed):
        schedule = await turn.db(lambda session: _switch_on(turn, session, at))
        zone = describe_zone(schedule.timezone, turn.now)
        return _say(TURNED_ON.format(time=format_time_of_day(schedule.quiz_time), zone=zone, dm=spelled))
    if switch in OFF and not typed:
        was_on = await turn.db(lambda session: _switch_off(turn, session))
        return _say(TURNED_OFF if was_on else WAS_OFF.format(dm=spelled))
    return _say(USAGE.format(dm=spelled))


def _switch_on(turn: Turn, session: Session, at: dt.time | None) -> Schedule:
    schedule = _schedule(turn, session, turn.learner(session), at)
    subscriber, created = subscribe_this_chat(turn, session)
    update_subscriber(
        session,
        subscriber,
        now=turn.now,
        lesson_time=None if created else subscriber.lesson_time,
        quiz_time=schedule.quiz_time,
        timezone=schedule.timezone,
        status=SubscriberStatus.ACTIVE,
    )
    return schedule


def _schedule(turn: Turn, session: Session, learner: Learner, at: dt.time | None) -> Schedule:
    """The time asked for, else the member's own, else the server's they asked from, else the bot's."""
    server = _community(turn, session)
    defaults = turn.services.defaults
    quiz_time = at or learner.quiz_time or (server.quiz_time if server else None) or defaults.quiz_time
    timezone = learner.timezone or (server.timezone if server else None) or defaults.timezone
    return Schedule(quiz_time, timezone)


def _community(turn: Turn, session: Session) -> Subscriber | None:
    community = turn.incoming.community
    if community is None:
        return None
    return find_subscriber(session, platform=turn.incoming.platform, chat_id=community)


def _switch_off(turn: Turn, session: Session) -> bool:
    """The quiz stops; a subscription that was the quiz alone stops altogether. True if it was on."""
    subscriber = turn.subscriber(session)
    if subscriber is None or subscriber.status != SubscriberStatus.ACTIVE or subscriber.quiz_time is None:
        return False
    if subscriber.lesson_time is None:
        update_subscriber(session, subscriber, now=turn.now, status=SubscriberStatus.STOPPED)
    else:
        update_subscriber(session, subscriber, now=turn.now, quiz_time=None)
    return True


def _say(text: str) -> list[Reply]:
    return [Reply(RichText.of(*text.split("\n")))]


TURNED_ON = (
    "好的 ✅ 每天 {time}（{zone}）我会把你的复习测验私信发给你。\n"
    "收不到的话：请在服务器的「隐私设置」里允许成员私信你，或者点频道里测验帖下的「开始我的测验」。\n"
    "关闭：{dm} off"
)
TURNED_OFF = "已关闭私信测验。频道里的每日测验帖照常，点「开始我的测验」就能做题。"
WAS_OFF = "私信测验本来就是关着的。想开启：{dm} on（可加时间，如 {dm} on 21:30）"
USAGE = "用法：{dm} on [HH:MM] 开启私信测验（可选时间，如 21:30，24 小时制）；{dm} off 关闭。"
NOT_HERE = "你的每日测验已经包含在订阅里，会直接发到这个私聊。还没订阅？发送 {start}。"

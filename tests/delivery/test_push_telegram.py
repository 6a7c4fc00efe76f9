"""The daily push end to end: the real PTB stack and the adapter, against the fake Bot API,
with a clock the test moves. Each step runs the pusher once, as a scheduler tick would."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict

from bot.clock import FixedClock
from bot.core.turn import Services
from bot.settings import PushSettings
from bot.storage.tables import PushState
from tests.adapters.telegram_harness import TEST_PUSH, RunningBot, running_bot
from tests.delivery.push_support import Sessions, add_subscribers, ledger, subscriber, texts_to

UTC = dt.UTC


def clock_of(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


async def step_through(
    bot: RunningBot, clock: FixedClock, until: dt.datetime, step: dt.timedelta, chats: list[int]
) -> dict[int, list[dt.datetime]]:
    """Move the clock step by step, pushing at each step; when (by our clock) each chat got a message."""
    received: dict[int, list[dt.datetime]] = defaultdict(list)
    seen = {chat: 0 for chat in chats}
    while clock.now() <= until:
        await bot.pusher.run_once()
        for chat in chats:
            count = len(bot.fake.messages(chat))
            received[chat] += [clock.now()] * (count - seen[chat])
            seen[chat] = count
        clock.advance(step)
    return received


async def test_each_timezone_gets_one_lesson_per_local_day_at_its_own_time(
    services: Services, sessions: Sessions
) -> None:
    zones = {
        101: ("Asia/Shanghai", dt.time(8, 0)),  # 00:00 UTC
        102: ("America/New_York", dt.time(7, 0)),  # 12:00 UTC in November
        103: ("Pacific/Honolulu", dt.time(9, 0)),  # UTC-10: 19:00 UTC
        104: ("Pacific/Kiritimati", dt.time(6, 0)),  # UTC+14: 16:00 UTC the day before
        105: ("UTC+05:30", dt.time(21, 30)),  # 16:00 UTC
    }
    for chat, (zone, at) in zones.items():
        add_subscribers(sessions, [chat], timezone=zone, lesson_time=at)
    clock = clock_of(services)
    clock.moment = dt.datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
    async with running_bot(services) as bot:
        got = await step_through(
            bot, clock, dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC), dt.timedelta(minutes=30), list(zones)
        )
        fake = bot.fake
    # 12:30 UTC on the 21st is already past lesson time in Shanghai (20:30) and New York (07:30):
    # that day's lesson goes out at the first look, as after downtime.
    expected = {
        101: ["2026-11-21 12:30", "2026-11-22 00:00", "2026-11-23 00:00"],
        102: ["2026-11-21 12:30", "2026-11-22 12:00", "2026-11-23 12:00"],
        103: ["2026-11-21 19:00", "2026-11-22 19:00"],
        104: ["2026-11-21 16:00", "2026-11-22 16:00"],
        105: ["2026-11-21 16:00", "2026-11-22 16:00"],
    }
    assert {chat: [f"{at:%Y-%m-%d %H:%M}" for at in times] for chat, times in got.items()} == expected
    # The message is /today's card 1, for the subscriber's own local date.
    caught_up, first_shanghai, second_shanghai = texts_to(fake, 101)
    assert "11 月 21 日" in caught_up
    assert "11 月 22 日" in first_shanghai and "1/" in first_shanghai
    assert "11 月 23 日" in second_shanghai
    kiritimati = texts_to(fake, 104)
    assert "11 月 22 日" in kiritimati[0] and "11 月 23 日" in kiritimati[1]  # a day ahead of UTC
    honolulu = texts_to(fake, 103)
    assert "11 月 21 日" in honolulu[0] and "11 月 22 日" in honolulu[1]  # a day behind
    assert all(d.state == PushState.SENT for rows in ledger(sessions).values() for d in rows)


async def test_the_autumn_dst_change_repeats_an_hour_but_not_the_lesson(
    services: Services, sessions: Sessions
) -> None:
    # New York falls back on 2026-11-01: 01:00-02:00 local happens twice.
    add_subscribers(sessions, [201], timezone="America/New_York", lesson_time=dt.time(1, 30))
    clock = clock_of(services)
    clock.moment = dt.datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    async with running_bot(services) as bot:
        got = await step_through(
            bot, clock, dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC), dt.timedelta(minutes=15), [201]
        )
    # 01:30 EDT is 05:30 UTC; the second 01:30 (EST, 06:30 UTC) sends nothing; the next day 01:30 EST.
    assert [f"{at:%m-%d %H:%M}" for at in got[201]] == ["11-01 05:30", "11-02 06:30"]


async def test_the_spring_dst_gap_still_delivers_that_day(services: Services, sessions: Sessions) -> None:
    # 2027-03-14 02:30 does not exist in New York (02:00 EST jumps to 03:00 EDT).
    add_subscribers(sessions, [202], timezone="America/New_York", lesson_time=dt.time(2, 30))
    clock = clock_of(services)
    clock.moment = dt.datetime(2027, 3, 14, 6, 0, tzinfo=UTC)  # 01:00 EST
    async with running_bot(services) as bot:
        got = await step_through(
            bot, clock, dt.datetime(2027, 3, 14, 9, 0, tzinfo=UTC), dt.timedelta(minutes=15), [202]
        )
    assert [f"{at:%H:%M}" for at in got[202]] == ["07:00"]  # 03:00 EDT, the first moment after 02:30


async def test_moving_the_lesson_time_later_the_same_day_sends_no_second_copy(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [301], lesson_time=dt.time(8, 0))
    clock = clock_of(services)
    clock.moment = dt.datetime(2026, 11, 22, 0, 5, tzinfo=UTC)  # 08:05 in Shanghai
    async with running_bot(services) as bot:
        await bot.pusher.run_once()
        assert len(bot.fake.messages(301)) == 1
        await bot.say("/time 21:00", chat_id=301)
        clock.moment = dt.datetime(2026, 11, 22, 13, 5, tzinfo=UTC)  # 21:05 in Shanghai
        await bot.pusher.run_once()
        lessons = [t for t in texts_to(bot.fake, 301) if "📅" in t]
        assert len(lessons) == 1
        clock.moment = dt.datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # the next day at 21:05
        await bot.pusher.run_once()
        assert len([t for t in texts_to(bot.fake, 301) if "📅" in t]) == 2


async def test_moving_west_after_the_push_does_not_send_yesterday_again(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [302], timezone="Pacific/Kiritimati", lesson_time=dt.time(6, 0))
    clock = clock_of(services)
    clock.moment = dt.datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # 06:30 on the 23rd in Kiritimati
    async with running_bot(services) as bot:
        await bot.pusher.run_once()
        await bot.say("/tz Pacific/Honolulu", chat_id=302)  # where it is still 06:30 on the 22nd
        await bot.pusher.run_once()
        assert len([t for t in texts_to(bot.fake, 302) if "📅" in t]) == 1


async def test_paused_stopped_and_blocked_subscribers_get_nothing(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [401])
    add_subscribers(sessions, [402], status="paused")
    add_subscribers(sessions, [403], status="stopped")
    add_subscribers(sessions, [404], status="blocked")
    async with running_bot(services) as bot:
        report = await bot.pusher.run_once()
        assert report.sent == 1 and [c for c in (401, 402, 403, 404) if bot.fake.messages(c)] == [401]


async def test_a_group_gets_the_same_single_post_as_today_in_the_group(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [-500])
    async with running_bot(services) as bot:
        await bot.pusher.run_once()
        (post,) = bot.fake.messages(-500)
        today = (await bot.say("/today", chat_id=-500, chat_type="group", chat_title="Builders"))[-1]
    assert post.text == today.text
    button, quiz = post.buttons
    assert button["url"].startswith("https://t.me/BuildSpeakTestBot?start=d")
    assert quiz["url"] == "https://t.me/BuildSpeakTestBot?start=quiz"


async def test_a_403_marks_the_subscriber_blocked_and_stops_sending(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [601, 602, 603])
    async with running_bot(services) as bot:
        bot.fake.block_chat(602)
        bot.fake.block_chat(603, "Forbidden: user is deactivated")
        report = await bot.pusher.run_once()
        assert (report.sent, report.blocked, report.failed) == (1, 2, 0)
        services.clock.advance(dt.timedelta(days=1))  # type: ignore[attr-defined]
        await bot.pusher.run_once()
        calls_to_blocked = [
            c for c in bot.fake.calls_to("sendMessage") if c.params["chat_id"] in (602, "602")
        ]
    assert len(calls_to_blocked) == 1  # tried once, never again
    rows = ledger(sessions)
    assert rows["602"][0].state == PushState.BLOCKED and "blocked by the user" in (
        rows["602"][0].reason or ""
    )
    assert rows["603"][0].reason == "Forbidden: user is deactivated"
    assert subscriber(sessions, 602).status == "blocked" and subscriber(sessions, 601).status == "active"
    assert len(rows["601"]) == 2


async def test_429_is_honoured_and_no_message_is_lost(services: Services, sessions: Sessions) -> None:
    chats = list(range(700, 730))
    add_subscribers(sessions, chats)
    # The fake allows 10 a second, we pace at 500: flood control must answer, and we must wait it out.
    async with running_bot(services) as bot:
        bot.fake.rate_limit(per_second_overall=10)
        report = await bot.pusher.run_once()
        assert bot.fake.rate_limited_count > 0 and report.rate_limited == bot.fake.rate_limited_count
        assert report.sent == 30 and report.failed == 0
        assert all(len(bot.fake.messages(chat)) == 1 for chat in chats)


async def test_our_pacing_keeps_under_the_limit_without_a_single_429(
    services: Services, sessions: Sessions
) -> None:
    chats = list(range(800, 860))
    add_subscribers(sessions, chats)
    paced = PushSettings(per_second=40, retry_base_delay=0.01, retry_max_delay=0.05)
    async with running_bot(services, paced) as bot:
        bot.fake.rate_limit(per_second_overall=40, per_second_per_chat=1)
        report = await bot.pusher.run_once()
        assert report.sent == 60 and bot.fake.rate_limited_count == 0


async def test_5xx_and_network_errors_are_retried_then_recorded_as_failed(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [901])
    async with running_bot(services) as bot:
        bot.fake.fail_next("sendMessage", 502, count=2)
        report = await bot.pusher.run_once()
        assert (report.sent, report.retried) == (1, 2) and len(bot.fake.messages(901)) == 1
        assert ledger(sessions)["901"][0].attempts == 3

        add_subscribers(sessions, [902])
        bot.fake.fail_next("sendMessage", 500, count=TEST_PUSH.retry_attempts)
        report = await bot.pusher.run_once()
    (row,) = ledger(sessions)["902"]
    assert report.failed == 1 and row.state == PushState.FAILED and row.attempts == TEST_PUSH.retry_attempts
    assert row.reason is not None and row.reason.startswith(f"gave up after {TEST_PUSH.retry_attempts} tries")


async def test_a_message_telegram_refuses_is_failed_at_once(services: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, [903])
    async with running_bot(services) as bot:
        bot.fake.fail_next("sendMessage", 400, "Bad Request: message is too long")
        report = await bot.pusher.run_once()
    (row,) = ledger(sessions)["903"]
    assert report.failed == 1 and row.attempts == 1 and row.reason == "Message is too long"


async def test_a_slow_chat_does_not_hold_up_the_others(services: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, [1000, *range(1001, 1021)])
    async with running_bot(services) as bot:
        bot.fake.slow_chat(1000, 1.5)
        run = asyncio.create_task(bot.pusher.run_once())
        await bot.fake.wait_for(lambda call: call.method == "sendMessage" and call.ok, count=20, timeout=1.0)
        assert not run.done() and not bot.fake.messages(1000)
        report = await run
    assert report.sent == 21


async def test_nobody_is_due_before_their_time_or_twice_on_a_rerun(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [1101], lesson_time=dt.time(10, 0))  # 02:00 UTC; the clock says 01:00
    add_subscribers(sessions, [1102], lesson_time=dt.time(8, 0))
    async with running_bot(services) as bot:
        first = await bot.pusher.run_once()
        second = await bot.pusher.run_once()
    assert (first.sent, second.sent) == (1, 0)
    assert not bot.fake.messages(1101)


async def test_a_dry_run_counts_without_sending_or_claiming(services: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, [1201, 1202], timezone="Asia/Tokyo", lesson_time=dt.time(9, 0))
    async with running_bot(services) as bot:
        report = await bot.pusher.run_once(dry_run=True)
        assert report.due == {"Asia/Tokyo 2026-11-22": 2} and report.sent == 0
        assert not bot.fake.calls_to("sendMessage") and not ledger(sessions)


async def test_stopping_mid_broadcast_hands_unsent_claims_back(
    services: Services, sessions: Sessions
) -> None:
    chats = list(range(1300, 1340))
    add_subscribers(sessions, chats)
    slow = PushSettings(per_second=20, max_in_flight=10, retry_base_delay=0.01, retry_max_delay=0.05)
    async with running_bot(services, slow) as bot:
        run = asyncio.create_task(bot.pusher.run_once())
        await bot.fake.wait_for("sendMessage", count=5)
        await bot.pusher.stop()
        report = await run
    rows = ledger(sessions)
    sent = {chat for chat in map(str, chats) if bot.fake.messages(int(chat))}
    assert report.sent == len(sent) and report.released > 0
    assert {chat for chat, found in rows.items() if found[0].state == PushState.SENT} == sent
    assert not any(found[0].state == PushState.CLAIMED for found in rows.values())  # nothing left hanging


async def test_a_shutdown_does_not_wait_out_a_retry_backoff(services: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, [1401])
    patient = PushSettings(per_second=500, retry_base_delay=60, retry_max_delay=60)
    async with running_bot(services, patient) as bot:
        bot.fake.fail_next("sendMessage", 502)
        run = asyncio.create_task(bot.pusher.run_once())
        await bot.fake.wait_for(lambda call: call.method == "sendMessage" and call.status == 502)
        await asyncio.wait_for(bot.pusher.stop(), timeout=5)  # not the minute of backoff
        report = await run
    assert (report.sent, report.failed, report.released) == (0, 0, 1)
    assert not ledger(sessions)  # handed back: the next start sends it


async def test_the_scheduler_pushes_on_start_up_in_the_bots_loop(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [1401])
    async with running_bot(services, scheduled=True) as bot:
        await bot.fake.wait_for("sendMessage", count=1, timeout=5)
        assert bot.runtime.push is not None
        jobs = bot.runtime.push.scheduler.get_jobs()
        assert sorted(job.id for job in jobs) == [
            "broadcasts",
            "push-telegram-lesson",
            "push-telegram-quiz",
            "quiz-ahead",
            "quiz-results",
        ]
        assert all(job.max_instances == 1 for job in jobs)
    assert len(bot.fake.messages(1401)) == 1


async def test_after_downtime_only_todays_lesson_goes_out_not_the_missed_days(
    services: Services, sessions: Sessions
) -> None:
    add_subscribers(sessions, [1501])
    clock = clock_of(services)
    clock.moment = dt.datetime(2026, 11, 19, 0, 30, tzinfo=UTC)  # the 19th, 08:30 in Shanghai
    async with running_bot(services) as bot:
        await bot.pusher.run_once()
        clock.moment = dt.datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # back three days later, 11:00
        await bot.pusher.run_once()
        texts = texts_to(bot.fake, 1501)
    assert len(texts) == 2 and "11 月 19 日" in texts[0] and "11 月 22 日" in texts[1]

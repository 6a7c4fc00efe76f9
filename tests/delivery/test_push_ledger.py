"""The ledger's queries and writes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

from bot.storage import push_ledger
from bot.storage.push_ledger import Settlement
from bot.storage.tables import PushKind, PushState
from bot.storage.workers import mark_stopped, register_worker
from tests.delivery.push_support import Sessions, add_subscribers, ledger, subscriber

NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 22)


def due(
    sessions: Sessions, *, local_time: dt.time = dt.time(9, 0), after: int = 0, limit: int = 100
) -> list[str]:
    with sessions() as session:
        page = push_ledger.due_batch(
            session, platform="telegram", timezone="Asia/Shanghai", local_date=TODAY,
            local_time=local_time, after_id=after, limit=limit,
        )  # fmt: skip
    return [row.chat_id for row in page]


def claim(sessions: Sessions, chats: list[str], *, run: str = "run-a") -> list[push_ledger.Claim]:
    with sessions() as session:
        page = push_ledger.due_batch(
            session, platform="telegram", timezone="Asia/Shanghai", local_date=TODAY,
            local_time=dt.time(23, 0), after_id=0, limit=1000,
        )  # fmt: skip
        wanted = [row for row in page if row.chat_id in chats]
        return push_ledger.claim(session, wanted, local_date=TODAY, content_id="x-1", run_id=run, now=NOW)


def test_due_pages_in_id_order_and_skips_who_is_not_due(sessions: Sessions) -> None:
    add_subscribers(sessions, [1, 2, 3, 4])
    add_subscribers(sessions, [5], lesson_time=dt.time(10, 0))
    add_subscribers(sessions, [6], status="paused")
    add_subscribers(sessions, [7], timezone="Europe/Paris")
    assert due(sessions) == ["1", "2", "3", "4"]
    first = due(sessions, limit=2)
    assert first == ["1", "2"]
    assert due(sessions, after=int(subscriber(sessions, 2).id or 0), limit=2) == ["3", "4"]
    assert due(sessions, local_time=dt.time(10, 0)) == ["1", "2", "3", "4", "5"]


def test_a_claim_is_exclusive_and_settling_records_the_outcome(sessions: Sessions) -> None:
    add_subscribers(sessions, [1, 2, 3])
    mine = claim(sessions, ["1", "2"])
    assert [item.subscriber.chat_id for item in mine] == ["1", "2"]
    assert due(sessions) == ["3"]  # claimed rows are no longer due
    with sessions() as session:  # a second run racing for the same rows gets nothing
        rows = [item.subscriber for item in mine]
        assert (
            push_ledger.claim(session, rows, local_date=TODAY, content_id="x-1", run_id="run-b", now=NOW)
            == []
        )
        push_ledger.settle(
            session,
            [
                Settlement(mine[0].delivery_id, mine[0].subscriber.id, PushState.SENT, 1, message_id="77"),
                Settlement(mine[1].delivery_id, mine[1].subscriber.id, PushState.BLOCKED, 1, "Forbidden"),
            ],
            now=NOW,
        )
    found = ledger(sessions)
    assert (found["1"][0].state, found["1"][0].message_id) == ("sent", "77")
    assert found["2"][0].state == "blocked" and subscriber(sessions, 2).status == "blocked"


def worker(sessions: Sessions, worker_id: str, *, beat: dt.datetime, platforms: str = "telegram") -> None:
    with sessions() as session:
        register_worker(
            session,
            worker_id=worker_id,
            roles=["push"],
            platforms=platforms.split(","),
            host="h",
            pid=1,
            now=beat,
        )


def take_over(sessions: Sessions, platform: str = "telegram") -> push_ledger.TakenOver:
    with sessions() as session:
        return push_ledger.take_over_dead_claims(
            session, platform=platform, live_since=NOW - dt.timedelta(seconds=30), now=NOW
        )


def mark(sessions: Sessions, claims: list[push_ledger.Claim], run: str) -> set[int]:
    with sessions() as session:
        return push_ledger.mark_sending(session, [item.delivery_id for item in claims], run_id=run)


def states(sessions: Sessions) -> dict[str, str]:
    return {chat: rows[0].state for chat, rows in ledger(sessions).items()}


def test_a_dead_workers_unsent_claims_are_sent_again_and_its_sends_under_way_become_uncertain(
    sessions: Sessions,
) -> None:
    add_subscribers(sessions, [1, 2, 3])
    worker(sessions, "dead-run", beat=NOW - dt.timedelta(seconds=31))
    worker(sessions, "live-run", beat=NOW - dt.timedelta(seconds=29))
    under_way = claim(sessions, ["1"], run="dead-run")
    assert mark(sessions, under_way, "dead-run") == {under_way[0].delivery_id}
    claim(sessions, ["2"], run="dead-run")  # still waiting for its turn at the kill
    handed_back = claim(sessions, ["3"], run="live-run")
    assert take_over(sessions) == push_ledger.TakenOver(resent=1, uncertain=1)
    with sessions() as session:
        push_ledger.release(session, [handed_back[0].delivery_id])
    assert states(sessions) == {"1": "uncertain"}
    assert due(sessions) == ["2", "3"]  # never sent: the next run sends them; uncertain: never again today


def test_a_worker_taken_for_dead_cannot_mark_its_claims_once_another_took_them_over(
    sessions: Sessions,
) -> None:
    add_subscribers(sessions, [1, 2])
    worker(sessions, "slow-run", beat=NOW - dt.timedelta(seconds=31))  # a long pause, not a death
    slow = claim(sessions, ["1", "2"], run="slow-run")
    assert take_over(sessions).resent == 2
    retaken = claim(sessions, ["1"], run="other-run")
    assert mark(sessions, slow, "slow-run") == set(), "not the slow run's to send any more"
    assert mark(sessions, retaken, "slow-run") == set(), "nor another run's claim"
    assert mark(sessions, retaken, "other-run") == {retaken[0].delivery_id}
    assert mark(sessions, retaken, "other-run") == set(), "marked once"


def test_a_live_workers_claims_are_never_taken_over(sessions: Sessions) -> None:
    add_subscribers(sessions, [1, 2, 3])
    worker(sessions, "busy", beat=NOW)
    first = claim(sessions, ["1", "2"], run="busy")
    mark(sessions, first[:1], "busy")
    legacy = claim(sessions, ["3"], run="never-registered")  # a run from before workers were recorded
    mark(sessions, legacy, "never-registered")
    assert take_over(sessions) == push_ledger.TakenOver(resent=0, uncertain=1)
    assert states(sessions) == {"1": "sending", "2": "claimed", "3": "uncertain"}


def test_a_stopped_worker_is_dead_and_other_platforms_claims_are_left_alone(sessions: Sessions) -> None:
    add_subscribers(sessions, [1])
    add_subscribers(sessions, [2], platform="discord")
    worker(sessions, "gone", beat=NOW, platforms="telegram,discord")
    with sessions() as session:
        mark_stopped(session, worker_id="gone", now=NOW)
    mark(sessions, claim(sessions, ["1"], run="gone"), "gone")
    with sessions() as session:
        (row,) = push_ledger.due_batch(
            session, platform="discord", timezone="Asia/Shanghai", local_date=TODAY,
            local_time=dt.time(9, 0), after_id=0, limit=10,
        )  # fmt: skip
        push_ledger.claim(session, [row], local_date=TODAY, content_id="x-1", run_id="gone", now=NOW)
    assert take_over(sessions, "telegram").uncertain == 1, "the discord claim waits for a discord worker"
    assert take_over(sessions, "discord").resent == 1


def test_a_lesson_and_a_quiz_are_separate_pushes_on_the_same_day(sessions: Sessions) -> None:
    add_subscribers(sessions, [1])
    with sessions() as session:
        kinds = {}
        for kind in (PushKind.LESSON, PushKind.QUIZ):
            (row,) = push_ledger.due_batch(
                session, platform="telegram", timezone="Asia/Shanghai", local_date=TODAY,
                local_time=dt.time(23, 0), after_id=0, limit=10, kind=kind,
            )  # fmt: skip
            kinds[kind] = push_ledger.claim(
                session, [row], local_date=TODAY, content_id=f"{kind}-1", run_id="r", now=NOW, kind=kind
            )
            again = push_ledger.claim(
                session, [row], local_date=TODAY, content_id=f"{kind}-1", run_id="r2", now=NOW, kind=kind
            )
            assert again == [], "each kind goes once a day"
    assert [claim.kind for claims in kinds.values() for claim in claims] == [PushKind.LESSON, PushKind.QUIZ]
    assert sorted(row.kind for row in ledger(sessions)["1"]) == ["lesson", "quiz"]


def test_a_later_date_already_pushed_counts_as_done(sessions: Sessions) -> None:
    add_subscribers(sessions, [1])
    with sessions() as session:
        (row,) = push_ledger.due_batch(
            session, platform="telegram", timezone="Asia/Shanghai", local_date=TODAY + dt.timedelta(days=1),
            local_time=dt.time(9, 0), after_id=0, limit=10,
        )  # fmt: skip
        push_ledger.claim(
            session, [row], local_date=TODAY + dt.timedelta(days=1), content_id="x", run_id="r", now=NOW
        )
    assert due(sessions) == []  # moved west after tomorrow's push: today's is not sent late


def test_moving_a_chat_follows_a_supergroup(sessions: Sessions) -> None:
    add_subscribers(sessions, [-5])
    with sessions() as session:
        push_ledger.move_chat(
            session, subscriber_id=subscriber(sessions, -5).id or 0, chat_id="-1005", now=NOW
        )
    assert subscriber(sessions, -1005).chat_kind == "group"

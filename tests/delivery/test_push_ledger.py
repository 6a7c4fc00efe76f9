"""The ledger's queries and writes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

from bot.storage import push_ledger
from bot.storage.push_ledger import Settlement
from bot.storage.tables import PushState
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
        return push_ledger.claim(session, wanted, local_date=TODAY, lesson_id="x-1", run_id=run, now=NOW)


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
            push_ledger.claim(session, rows, local_date=TODAY, lesson_id="x-1", run_id="run-b", now=NOW) == []
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


def test_claims_of_a_dead_run_become_uncertain_and_released_ones_are_due_again(sessions: Sessions) -> None:
    add_subscribers(sessions, [1, 2])
    dead = claim(sessions, ["1"], run="dead-run")
    handed_back = claim(sessions, ["2"], run="live-run")
    with sessions() as session:
        assert push_ledger.mark_uncertain(session, current_run="live-run", now=NOW) == 1
        push_ledger.release(session, [handed_back[0].delivery_id])
    assert ledger(sessions)["1"][0].state == "uncertain" and dead
    assert due(sessions) == ["2"]  # released: the next run sends it; uncertain: never again today


def test_a_later_date_already_pushed_counts_as_done(sessions: Sessions) -> None:
    add_subscribers(sessions, [1])
    with sessions() as session:
        (row,) = push_ledger.due_batch(
            session, platform="telegram", timezone="Asia/Shanghai", local_date=TODAY + dt.timedelta(days=1),
            local_time=dt.time(9, 0), after_id=0, limit=10,
        )  # fmt: skip
        push_ledger.claim(
            session, [row], local_date=TODAY + dt.timedelta(days=1), lesson_id="x", run_id="r", now=NOW
        )
    assert due(sessions) == []  # moved west after tomorrow's push: today's is not sent late


def test_moving_a_chat_follows_a_supergroup(sessions: Sessions) -> None:
    add_subscribers(sessions, [-5])
    with sessions() as session:
        push_ledger.move_chat(
            session, subscriber_id=subscriber(sessions, -5).id or 0, chat_id="-1005", now=NOW
        )
    assert subscriber(sessions, -1005).chat_kind == "group"

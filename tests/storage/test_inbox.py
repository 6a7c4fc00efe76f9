"""The inbox's rows: stored once per update id, settled without their text, taken over from gone
workers a few times at most, and cleared out once old (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session, select

from bot.storage import inbox
from bot.storage.inbox import Received
from bot.storage.tables import InboxUpdate

NOW = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)
Sessions = Callable[[], Session]


def received(*ids: int) -> list[Received]:
    return [Received(update_id, f'{{"update_id": {update_id}}}') for update_id in ids]


def rows(sessions: Sessions, platform: str = "telegram") -> dict[int, InboxUpdate]:
    with sessions() as session:
        found = session.exec(select(InboxUpdate).where(InboxUpdate.platform == platform))
        return {row.update_id: row for row in found}


def test_a_batch_is_stored_once_and_a_redelivery_is_not_new(sessions: Sessions) -> None:
    with sessions() as session:
        assert inbox.receive(session, received(7, 8), platform="telegram", worker_id="a", now=NOW) == [7, 8]
    with sessions() as session:
        again = inbox.receive(session, received(8, 9), platform="telegram", worker_id="b", now=NOW)
        assert again == [9], "update 8 came again (an unconfirmed poll): handled once"
        assert inbox.receive(session, received(8), platform="discord", worker_id="b", now=NOW) == [8]
    stored = rows(sessions)
    assert stored[8].worker_id == "a" and stored[8].payload == '{"update_id": 8}'
    assert {row.state for row in stored.values()} == {"pending"}


def test_ids_beyond_32_bits_fit(sessions: Sessions) -> None:
    big = 2**53 + 1  # a Discord snowflake's size
    with sessions() as session:
        assert inbox.receive(session, received(big), platform="discord", worker_id="a", now=NOW) == [big]


def test_finishing_forgets_the_text(sessions: Sessions) -> None:
    with sessions() as session:
        inbox.receive(session, received(1, 2), platform="telegram", worker_id="a", now=NOW)
        inbox.finish(session, [1], platform="telegram", now=NOW)
        assert inbox.pending_count(session, platform="telegram") == 1
    done = rows(sessions)[1]
    assert (done.state, done.payload, done.finished_at) == ("done", None, NOW)


def test_a_gone_workers_updates_are_taken_over_oldest_first_and_a_live_ones_are_left(
    sessions: Sessions,
) -> None:
    with sessions() as session:
        inbox.receive(session, received(12, 10, 11), platform="telegram", worker_id="dead", now=NOW)
        inbox.receive(session, received(20), platform="telegram", worker_id="alive", now=NOW)
        inbox.receive(session, received(30), platform="telegram", worker_id="me", now=NOW)
        inbox.finish(session, [11], platform="telegram", now=NOW)
        taken = inbox.take_over(
            session, platform="telegram", worker_id="me", live_workers={"alive"}, max_attempts=3, now=NOW
        )
    assert [item.update_id for item in taken.updates] == [10, 12] and taken.abandoned == []
    assert taken.updates[0].payload == '{"update_id": 10}'
    stored = rows(sessions)
    assert (stored[10].worker_id, stored[10].attempts) == ("me", 2)
    assert stored[20].worker_id == "alive" and stored[30].attempts == 1, "a live worker's, and our own, stay"
    with sessions() as session:
        again = inbox.take_over(
            session, platform="telegram", worker_id="me", live_workers={"alive"}, max_attempts=3, now=NOW
        )
    assert again.updates == [], "now they are ours: nobody takes them twice"


def test_an_update_whose_handling_never_ends_is_given_up_after_max_attempts(sessions: Sessions) -> None:
    with sessions() as session:
        inbox.receive(session, received(5), platform="telegram", worker_id="w1", now=NOW)
    for worker in ("w2", "w3"):  # two starts take it up, and die on it
        with sessions() as session:
            taken = inbox.take_over(
                session, platform="telegram", worker_id=worker, live_workers=(), max_attempts=3, now=NOW
            )
        assert [item.update_id for item in taken.updates] == [5]
    with sessions() as session:
        last = inbox.take_over(
            session, platform="telegram", worker_id="w4", live_workers=(), max_attempts=3, now=NOW
        )
    assert last.updates == [] and last.abandoned == [5]
    assert (rows(sessions)[5].state, rows(sessions)[5].payload) == ("abandoned", None)


def test_pruning_drops_old_settled_updates_only(sessions: Sessions) -> None:
    old = NOW - dt.timedelta(days=3)
    with sessions() as session:
        inbox.receive(session, received(1, 2, 3), platform="telegram", worker_id="a", now=old)
        inbox.finish(session, [1], platform="telegram", now=old)
        inbox.finish(session, [2], platform="telegram", now=NOW)
        assert inbox.prune(session, platform="telegram", before=NOW - dt.timedelta(days=2)) == 1
    assert sorted(rows(sessions)) == [2, 3], "a pending update stays, however old"


def test_an_update_whose_reply_had_begun_is_not_answered_again_by_whoever_takes_over(
    sessions: Sessions,
) -> None:
    with sessions() as session:
        inbox.receive(session, received(1, 2, 3), platform="telegram", worker_id="dead", now=NOW)
        marked = inbox.mark_replying(session, [1, 2], platform="telegram", worker_id="dead")
        assert marked == {1, 2}
        again = inbox.mark_replying(session, [1], platform="telegram", worker_id="dead")
        assert again == {1}, "still its own: a second message of one answer"
        inbox.finish(session, [2], platform="telegram", now=NOW)
        assert inbox.pending_count(session, platform="telegram") == 2, "1 is being answered, 3 waits"
        taken = inbox.take_over(
            session, platform="telegram", worker_id="me", live_workers=set(), max_attempts=3, now=NOW
        )
        assert [item.update_id for item in taken.updates] == [3], "only the one whose reply never began"
        late = inbox.mark_replying(session, [1, 3], platform="telegram", worker_id="dead")
        assert late == set(), "a worker taken for dead finds them gone and sends nothing"
        # ...and its late settlement leaves them alone: 3 is the taker's to answer.
        inbox.finish(session, [1, 3], platform="telegram", now=NOW, worker_id="dead")
    stored = rows(sessions)
    assert {update_id: row.state for update_id, row in stored.items()} == {
        1: "uncertain", 2: "done", 3: "pending"
    }  # fmt: skip
    assert stored[1].payload is None and stored[3].worker_id == "me"

"""The review schedule's rules: how an answer becomes an FSRS rating, and FSRS set up for a daily quiz."""

from __future__ import annotations

import datetime as dt

import pytest
from fsrs import Card, Rating, State

from bot.learning.quiz_plan import find_whole
from bot.learning.review_schedule import (
    AnswerMode,
    Memory,
    Outcome,
    ScheduleRules,
    Timing,
    memory_of,
    new_card,
    rating_for,
    utc,
)

TIMING = Timing(fast_choice=5, slow_choice=15, fast_typed=8, slow_typed=20)
NOW = dt.datetime(2026, 12, 6, 13, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("outcome", "seconds", "mode", "rating"),
    [
        (Outcome.WRONG, 2.0, AnswerMode.CHOICE, Rating.Again),
        (Outcome.SKIPPED, None, AnswerMode.TYPED, Rating.Again),
        (Outcome.HINTED, 3.0, AnswerMode.TYPED, Rating.Hard),
        (Outcome.TYPO, 3.0, AnswerMode.TYPED, Rating.Hard),
        (Outcome.RIGHT, 21.0, AnswerMode.TYPED, Rating.Hard),  # right, but slow
        (Outcome.RIGHT, 16.0, AnswerMode.CHOICE, Rating.Hard),
        (Outcome.RIGHT, 12.0, AnswerMode.TYPED, Rating.Good),
        (Outcome.RIGHT, 10.0, AnswerMode.CHOICE, Rating.Good),
        (Outcome.RIGHT, 7.0, AnswerMode.TYPED, Rating.Easy),  # a typed word takes longer to be fast
        (Outcome.RIGHT, 7.0, AnswerMode.CHOICE, Rating.Good),
        (Outcome.RIGHT, 4.0, AnswerMode.CHOICE, Rating.Easy),
        (Outcome.RIGHT, None, AnswerMode.CHOICE, Rating.Good),  # no time known: neither fast nor slow
    ],
)
def test_an_answer_becomes_a_rating_by_outcome_and_time(
    outcome: Outcome, seconds: float | None, mode: AnswerMode, rating: Rating
) -> None:
    assert rating_for(outcome, seconds, mode, TIMING) is rating


def test_there_are_no_same_day_steps_every_rating_waits_whole_days() -> None:
    """A quiz comes once a day: a new card rated anything is next due a day or more later."""
    scheduler = ScheduleRules(fuzz=False).scheduler()
    waits = {}
    for rating in Rating:
        after, _log = scheduler.review_card(new_card(1, NOW), rating, NOW)
        assert after.state is State.Review and after.step is None
        waits[rating] = after.due - NOW
    assert waits[Rating.Again] == dt.timedelta(days=1)
    assert all(wait % dt.timedelta(days=1) == dt.timedelta() for wait in waits.values())
    assert waits[Rating.Again] <= waits[Rating.Hard] <= waits[Rating.Good] < waits[Rating.Easy]


def test_a_missed_review_card_comes_back_the_next_day_and_a_right_one_moves_out() -> None:
    scheduler = ScheduleRules(fuzz=False).scheduler()
    card, _ = scheduler.review_card(new_card(1, NOW), Rating.Good, NOW)
    later = card.due
    right, _ = scheduler.review_card(card, Rating.Good, later)
    wrong, _ = scheduler.review_card(card, Rating.Again, later)
    assert wrong.due - later == dt.timedelta(days=1)
    assert right.due - later > later - NOW, "a right answer widens the interval"


def test_naive_times_as_sqlite_reads_them_are_taken_for_utc() -> None:
    naive = dt.datetime(2026, 12, 6, 13, 0)
    assert utc(naive).tzinfo is dt.UTC and utc(naive) == NOW
    shanghai = dt.datetime(2026, 12, 6, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert utc(shanghai).tzinfo is dt.UTC and utc(shanghai) == NOW
    ScheduleRules(fuzz=False).scheduler().review_card(Card(due=utc(naive)), Rating.Good, utc(naive))


def test_memory_states_for_stats() -> None:
    assert memory_of(State.Learning, None, None, 21) is Memory.NEW
    assert memory_of(State.Review, 5.0, NOW, 21) is Memory.LEARNING
    assert memory_of(State.Relearning, 40.0, NOW, 21) is Memory.LEARNING
    assert memory_of(State.Review, 21.0, NOW, 21) is Memory.KNOWN


@pytest.mark.parametrize(
    ("sentence", "form", "found"),
    [
        ("Data is the moat.", "moat", (12, 16)),
        ("Data is the MOAT!", "moat", (12, 16)),
        ("Moats and a moat", "moat", (12, 16)),  # "Moats" is another word
        ("a re-moat", "moat", None),  # nor is a hyphenated compound
        ("snake_moat", "moat", None),
        ("napkin math, napkin-math", "napkin math", (0, 11)),
        ("İstanbul has a moat", "moat", (15, 19)),  # a lowercase that is longer: still the right place
        ("", "moat", None),
    ],
)
def test_a_word_is_found_in_its_sentence_only_as_a_whole_word(
    sentence: str, form: str, found: tuple[int, int] | None
) -> None:
    assert find_whole(sentence, form) == found

"""Start-up objects leave the collector's sight, and what comes after is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.runtime.heap import freeze_startup_heap


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_start_up_objects_are_frozen_and_later_cycles_still_freed(unfrozen_afterwards: None) -> None:
    frozen_before = gc.get_freeze_count()
    freeze_startup_heap()
    assert gc.get_freeze_count() > frozen_before
    later = Node()
    alive = weakref.ref(later)
    del later
    gc.collect()
    assert alive() is None

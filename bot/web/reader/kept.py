"""A small least-recently-used store for what the reader builds once and serves many times.

Pages are read by many people at once (a daily push sends everyone to the same lesson): the
lesson's model and, for readers who are not signed in, the very bytes of its page are kept, keyed
by everything that can change them (the library generation among it), so nothing stale is served.
A learner's 生词本 is kept too, beside the version of the book it was read at (`peek` and `put`:
the page is built in a worker thread, so it is put once made, and replaced when the book moves).

Used from the event loop only (no lock): whatever is made in a thread is put back on the loop.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept under `key`, made by `make()` the first time (or after it was dropped)."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = make()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The value kept under `key` (now the most recently used), or None."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: Hashable, value: V) -> None:
        """Keep `value` under `key`, in place of what was kept there; the least recently used go
        once there are more than `size`."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

"""Posts met before: in the library, waiting in the review queue, or skipped by a reviewer.

A post can come back by another road: the same article in a builder's own feed and in a
newsletter's, a link with `?utm_source=`, the text re-posted under a new URL. Each post is
known by three keys (its id, the id its canonical URL gives, and a hash of its English text),
so any one of them matching makes it the same post.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from lessons.importers.ids import post_id_for_url
from lessons.post import Post
from lessons.text import short_hash

Place = Literal["library", "queue", "skipped"]

_NOT_WORD = re.compile(r"[\W_]+")


def text_key(post: Post) -> str:
    """The English text reduced to its words: punctuation, case and spacing don't split a post."""
    words = _NOT_WORD.sub(" ", post.english.casefold()).split()
    return "text:" + short_hash(" ".join(words), length=16)


def keys_of(post: Post) -> tuple[str, ...]:
    """Every key the post is known by."""
    url_id = post_id_for_url(str(post.source))
    return tuple(dict.fromkeys((f"id:{post.id}", f"id:{url_id}", text_key(post))))


@dataclass(frozen=True)
class Sighting:
    """Where a post with one of the same keys is, and its id there."""

    place: Place
    post_id: str


@dataclass
class SeenPosts:
    """Every key of every post met so far; the first place a key was seen wins."""

    _by_key: dict[str, Sighting] = field(default_factory=dict)

    @classmethod
    def of(cls, places: Iterable[tuple[Place, Iterable[Post]]]) -> SeenPosts:
        seen = cls()
        for place, posts in places:
            for post in posts:
                seen.add(post, place)
        return seen

    def add(self, post: Post, place: Place) -> None:
        for key in keys_of(post):
            self._by_key.setdefault(key, Sighting(place, post.id))

    def find(self, post: Post) -> Sighting | None:
        """The library first, then the skipped, then the queue: a post in the library must not be
        queued again even when a copy of it also waits in the queue."""
        found = [self._by_key[key] for key in keys_of(post) if key in self._by_key]
        order: dict[Place, int] = {"library": 0, "skipped": 1, "queue": 2}
        return min(found, key=lambda sighting: order[sighting.place], default=None)

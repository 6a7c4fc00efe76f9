"""The review queue: fetched posts wait here, as library files, until a person approves them.

    <review>/queued/<author>/<id>.md    waiting for a reviewer
    <review>/skipped/<author>/<id>.md   skipped: kept so the fetch never queues the post again

The folder is `[sources] review` (default `data/review`), never inside the library folder: the
catalog reads only the library, so nothing unreviewed is ever scheduled or sent. Files are
written exactly as `buildspeak import` writes the library's (same format, same import hash), so a
reviewer may fix a translation in place before approving, and the edit travels with the post.

Approving moves the file into the library with `added` (the day it joins the library) set to the
approval day: the calendar orders posts by that day, so an approved post joins the lesson queue
after every post already there and no past day changes. This module is the queue's whole API
(list, approve, skip): the CLI and the admins' review buttons in the chats call it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lessons.files import write_text_atomically
from lessons.library import Library, LibraryFileError, SaveOutcome, folder_for, render_post
from lessons.post import Post

QUEUED, SKIPPED = "queued", "skipped"


class NotInQueue(LookupError):
    """No queued post has this id (never fetched, or already approved or skipped)."""


class QueueInLibrary(ValueError):
    """A review folder inside the library: the catalog would read, schedule and send its posts."""


def check_apart(review: Path, library: Path) -> None:
    """Refuse a review folder the catalog would read (the library's folder or one inside it)."""
    review, library = review.resolve(), library.resolve()
    if review == library or library in review.parents:
        raise QueueInLibrary(
            f"审阅队列不能放在课程库里 the review folder {review} is inside the library {library}: "
            "the calendar would send unreviewed posts. Set [sources] review to a folder outside it."
        )


@dataclass(frozen=True)
class Approval:
    """What approving did: the post as the library now has it, and where its file is.

    `outcome` is "approved", or "already" when the library got the post another way (an import)
    after it was queued: the queued copy is dropped and the library's is kept.
    """

    post: Post
    path: Path
    outcome: Literal["approved", "already"]


@dataclass
class ReviewQueue:
    """The queued and the skipped posts under one review folder."""

    root: Path
    queued: Library
    skipped: Library

    @classmethod
    def open(cls, root: Path) -> ReviewQueue:
        return cls(root, Library.load(root / QUEUED), Library.load(root / SKIPPED))

    @property
    def errors(self) -> list[LibraryFileError]:
        return [*self.queued.errors, *self.skipped.errors]

    def posts(self) -> list[Post]:
        """Waiting posts, the longest waiting first (then by publication date, then id)."""
        return sorted(self.queued.posts.values(), key=lambda post: (post.added, post.date, post.id))

    def post(self, post_id: str) -> Post:
        try:
            return self.queued.posts[post_id]
        except KeyError:
            raise NotInQueue(post_id) from None

    def put(self, post: Post) -> SaveOutcome:
        """Queue a fetched post; a post already waiting is rewritten only when its source changed."""
        return self.queued.save(post)

    def approve(self, post_id: str, library: Library, today: dt.date) -> Approval:
        """Move a queued post into `library`, joining it on `today` (callers pass `joining_day`)."""
        post = self.post(post_id)
        if post_id in library.posts:
            self._drop(post_id)
            return Approval(library.posts[post_id], library.paths[post_id], "already")
        joined = post.model_copy(update={"added": today})
        path = _write(library, joined, self.queued.hashes.get(post_id))
        self._drop(post_id)
        return Approval(joined, path, "approved")

    def skip(self, post_id: str) -> Post:
        """Set a queued post aside for good: the fetch will not queue it again."""
        post = self.post(post_id)
        _write(self.skipped, post, self.queued.hashes.get(post_id))
        self._drop(post_id)
        return post

    def _drop(self, post_id: str) -> None:
        path = self.queued.paths.pop(post_id)
        self.queued.posts.pop(post_id)
        self.queued.hashes.pop(post_id, None)
        path.unlink(missing_ok=True)


def _write(library: Library, post: Post, imported_hash: str | None) -> Path:
    """The import's writer, keeping the queued file's import hash: a re-import of an unchanged
    source then keeps a reviewer's edits, as it keeps edits made in the library."""
    path = library.paths.get(post.id) or library.root / folder_for(post) / f"{post.id}.md"
    write_text_atomically(path, render_post(post, imported_hash))
    library.posts[post.id], library.paths[post.id], library.hashes[post.id] = post, path, imported_hash
    return path

"""The checks of the posts waiting for review, and what the admins decided in chat.

A module of its own beside `tables.py` (registered on the same SQLModel metadata when imported), so
the review's table lives with its data functions (`post_reviews.py`). The queued post itself stays
a file in the review folder (`lessons/following/queue.py`): the folder says what waits, this table
what the checks found, when the admins' digest showed it, and who decided in chat.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.columns import AwareDateTime


class PostReview(SQLModel, table=True):
    """One queued post's checks (`bot/sources/vetting.py`).

    The id is what the digest's buttons carry (a post id may be 120 characters; a button's payload
    has 64 bytes). `queue_dir` is the review folder the post waits in, so a button pressed in any
    worker finds it. `checked_hash` is the post as checked: a reviewer's edit or a changed source
    gives another hash, and the post is checked again. `passed` is every check passing (aligned
    cards, each lesson's teaching value at the threshold, Chinese throughout); `reasons` says why
    not, a line each, Chinese first."""

    __tablename__ = "post_reviews"
    __table_args__ = (UniqueConstraint("post_id", name="uq_post_reviews_post_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: str = Field(max_length=130)
    queue_dir: str = Field(max_length=500)
    checked_hash: str = Field(max_length=16)
    passed: bool = Field(sa_type=Boolean)
    translated: bool = Field(sa_type=Boolean)
    score: float = Field(sa_type=Float)  # the lowest teaching value of the post's lessons
    reasons: str = Field(default="", max_length=2000)
    checked_at: dt.datetime = Field(sa_type=AwareDateTime)
    shown_on: dt.date | None = Field(default=None)  # the day an admins' digest showed it
    decision: str | None = Field(default=None, max_length=12)  # approved | skipped | auto
    decided_by: str | None = Field(default=None, max_length=100)  # "telegram:123", "auto"
    decided_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)

"""A builder post as the library holds it: metadata plus bilingual paragraphs.

Everything downstream (lessons, cards, the calendar, the bots) reads posts
through this shape, whatever the source format was.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from lessons.text import word_count

PostKind = Literal["post", "thread", "talk", "article"]

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,120}$"


class Paragraph(BaseModel):
    """One English paragraph and, when the source has one, its Chinese translation."""

    model_config = ConfigDict(frozen=True)

    en: str = Field(min_length=1)
    zh: str | None = None
    start: float | None = Field(default=None, ge=0, description="seconds into a talk")


class Engagement(BaseModel):
    """The counts a reader sees under the post; absent ones are unknown, not zero."""

    model_config = ConfigDict(frozen=True)

    likes: int | None = Field(default=None, ge=0)
    reposts: int | None = Field(default=None, ge=0)
    replies: int | None = Field(default=None, ge=0)
    quotes: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)

    def is_empty(self) -> bool:
        return all(value is None for value in self.model_dump().values())


class Series(BaseModel):
    """Where a post stands in a multi-part source such as a talk."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    title: str
    part: int = Field(ge=1)
    parts: int = Field(ge=1)


class Post(BaseModel):
    """A builder post (or one part of a talk) in the content library."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    kind: PostKind
    author: str = Field(min_length=1)
    handle: str | None = None
    date: dt.date
    source: HttpUrl
    title: str | None = None
    engagement: Engagement = Engagement()
    series: Series | None = None
    added: dt.date = Field(description="the day the post joined the library's queue")
    paragraphs: tuple[Paragraph, ...] = Field(min_length=1)

    @field_validator("handle")
    @classmethod
    def _strip_at(cls, handle: str | None) -> str | None:
        return handle.lstrip("@") if handle else handle

    @property
    def english(self) -> str:
        return "\n\n".join(p.en for p in self.paragraphs)

    @property
    def words(self) -> int:
        return word_count(self.english)

    @property
    def translated(self) -> bool:
        return all(p.zh for p in self.paragraphs)

    def content_equals(self, other: Post) -> bool:
        """Same post apart from when it joined the library (re-imports keep `added`)."""
        return self.model_dump(exclude={"added"}) == other.model_dump(exclude={"added"})

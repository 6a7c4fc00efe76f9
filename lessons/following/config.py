"""The sources file: which builders' feeds and blogs to follow, as data a person edits.

    [[source]]
    name = "simonwillison"
    kind = "feed"                                   # RSS 2.0 or Atom
    url = "https://simonwillison.net/atom/everything/"
    author = "Simon Willison"                       # the credit every post of this source gets
    enabled = true
    filter = { min_words = 200, keywords = ["LLM", "agent"] }

A `markdown` source names a `path` instead: a folder (a git checkout) of a Jekyll or Hugo blog,
imported as `buildspeak import markdown FOLDER` does; a relative path is relative to the working
directory, as every path of the settings is. Every problem in the file is reported at once, each
with the source it is in, so a person fixes the file in one go.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lessons.importers.ids import is_absolute_http_url
from lessons.post import Post

SourceKind = Literal["feed", "markdown"]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"


class SourcesFileError(ValueError):
    """A sources file that cannot be used; the message says where and what to fix (Chinese first)."""


class PostFilter(BaseModel):
    """Which of a source's posts are worth a reviewer's time: long enough, and on topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_words: int = Field(default=0, ge=0, le=100_000, description="fewer English words: left out")
    keywords: tuple[str, ...] = Field(default=(), description="none of them in title or text: left out")

    @field_validator("keywords")
    @classmethod
    def _no_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not keyword.strip() for keyword in value):
            raise ValueError("a keyword is empty")
        return tuple(keyword.strip() for keyword in value)

    def rejects(self, post: Post) -> str | None:
        """Why the post is left out, or None. A keyword matches from a word's start ("agent" finds
        "agents"), in any case: a source's topics, not exact phrases."""
        if post.words < self.min_words:
            return f"shorter than this source's min_words ({post.words} < {self.min_words} words)"
        if self.keywords and not any(_mentions(post, keyword) for keyword in self.keywords):
            return f"mentions none of this source's keywords ({', '.join(self.keywords)})"
        return None


def _mentions(post: Post, keyword: str) -> bool:
    text = f"{post.title or ''}\n{post.english}"
    return re.search(rf"(?<!\w){re.escape(keyword)}", text, re.IGNORECASE) is not None


class FollowedSource(BaseModel):
    """One builder's feed or blog folder, and the author its posts are credited to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN, description="short id: lowercase letters, digits, - and _")
    kind: SourceKind
    url: str | None = None
    path: Path | None = None
    author: str = Field(min_length=1)
    handle: str | None = None
    enabled: bool = False
    filter: PostFilter = PostFilter()

    @model_validator(mode="after")
    def _where(self) -> FollowedSource:
        if self.kind == "feed":
            if self.path is not None or not self.url:
                raise ValueError('a feed source needs url = "https://…" (and no path)')
            if not is_absolute_http_url(self.url):
                raise ValueError(f"url must be an http(s) address, not {self.url!r}")
        elif self.url is not None or self.path is None:
            raise ValueError('a markdown source needs path = "folder of the blog" (and no url)')
        return self

    @property
    def location(self) -> str:
        """The URL or folder, as fetch reports and `sources list` show it."""
        return self.url if self.url is not None else str(self.path)


def load_sources(path: Path) -> list[FollowedSource]:
    """Every source in the file, in its order (the order decides which of two sources a shared
    post is credited to: the first). Raises SourcesFileError naming every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesFileError(f"找不到来源文件 sources file not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SourcesFileError(f"来源文件无法读取 cannot read {path}: {error}") from None
    unknown = sorted(set(data) - {"source"})
    if unknown:
        raise SourcesFileError(f"{path}: 未知的键 unknown key {', '.join(unknown)} (sources are [[source]])")
    sources, problems = _parse(data.get("source", []))
    if problems:
        raise SourcesFileError("\n".join([f"来源文件有误 {path} is not valid:", *problems]))
    return sources


def _parse(raw: object) -> tuple[list[FollowedSource], list[str]]:
    if not isinstance(raw, list):
        return [], ["  [[source]] must be a list of tables"]
    sources: list[FollowedSource] = []
    problems: list[str] = []
    for number, table in enumerate(raw, 1):
        label = f"source #{number}" + (f" ({table.get('name')})" if isinstance(table, dict) else "")
        try:
            source = FollowedSource.model_validate(table)
        except ValidationError as error:
            problems.extend(f"  {label}: {_reason(problem)}" for problem in error.errors())
            continue
        if any(other.name == source.name for other in sources):
            problems.append(f"  {label}: name {source.name!r} is used twice")
            continue
        sources.append(source)
    return sources, problems


def _reason(problem: object) -> str:
    assert isinstance(problem, dict)
    where = ".".join(str(part) for part in problem["loc"])
    message = str(problem["msg"]).removeprefix("Value error, ")
    if problem["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{where}: {message}" if where else message

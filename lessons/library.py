"""The content library on disk: one Markdown file per post, editable by hand.

A file is YAML front matter (the post's metadata) and a body of English
paragraphs, each followed by its Chinese translation as a block quote:

    ---
    id: x-1780738670452261105
    kind: post
    ...
    ---

    Consider being a labeler for an LLM.

    > 设想一下，你是一名大语言模型（LLM）的标注员。

A talk paragraph starts with its time in the talk: ``[12:34] So in summary…``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from lessons.files import write_text_atomically
from lessons.post import Paragraph, Post
from lessons.text import short_hash, slugify

SaveOutcome = Literal["imported", "updated", "unchanged"]

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_TIMESTAMP = re.compile(r"^\[(?:(\d+):)?(\d{1,2}):(\d{2})\] ")
_NEEDS_ESCAPE = re.compile(r"^(?:>|\\|\[(?:\d+:)?\d{1,2}:\d{2}\] )")


class LibraryFileError(ValueError):
    """A library file that cannot be read, with where and why, for a person to fix."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


# ---------------------------------------------------------------- writing


def render_post(post: Post, imported_hash: str | None = None) -> str:
    """The file text for `post`: the exact inverse of `parse_post`."""
    meta = post.model_dump(mode="json", exclude={"paragraphs"}, exclude_none=True)
    if post.engagement.is_empty():
        meta.pop("engagement", None)
    else:
        meta["engagement"] = post.engagement.model_dump(exclude_none=True)
    if imported_hash:
        meta["imported_hash"] = imported_hash
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    blocks = [_render_paragraph(p) for p in post.paragraphs]
    return f"---\n{header}---\n\n" + "\n\n".join(blocks) + "\n"


def _render_paragraph(paragraph: Paragraph) -> str:
    lines = [_escape(line) for line in paragraph.en.splitlines()]
    if paragraph.start is not None:
        lines[0] = f"[{format_timestamp(paragraph.start)}] {lines[0]}"
    text = "\n".join(lines)
    if paragraph.zh:
        text += "\n\n" + "\n".join(f"> {line}" for line in paragraph.zh.splitlines())
    return text


def _escape(line: str) -> str:
    return f"\\{line}" if _NEEDS_ESCAPE.match(line) else line


def format_timestamp(seconds: float) -> str:
    """Seconds as the caption clock shows them: 75 -> "1:15", 3675 -> "1:01:15"."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def post_hash(post: Post) -> str:
    """A digest of what an importer produced, to tell a changed source from a hand edit."""
    return short_hash(post.model_dump_json(exclude={"added"}), length=16)


# ---------------------------------------------------------------- reading


def parse_post(text: str, path: Path) -> tuple[Post, str | None]:
    """Read a library file; returns the post and the hash of its last import."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise LibraryFileError(path, 1, "missing front matter (a '---' block at the top)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise LibraryFileError(path, 2, f"front matter is not valid YAML: {error}") from error
    if not isinstance(meta, dict):
        raise LibraryFileError(path, 2, "front matter must be key: value pairs")
    imported_hash = meta.pop("imported_hash", None)
    body_start = match.group(0).count("\n") + 1
    meta["paragraphs"] = list(_parse_body(text.replace("\r\n", "\n")[match.end() :], path, body_start))
    try:
        return Post.model_validate(meta), imported_hash
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LibraryFileError(path, 2, f"{where}: {first['msg']}") from error


def _parse_body(body: str, path: Path, first_line: int) -> Iterator[Paragraph]:
    pending: tuple[str, float | None] | None = None
    for line_no, block in _blocks(body, first_line):
        lines = block.splitlines()
        if all(line.startswith(">") for line in lines):
            if pending is None:
                raise LibraryFileError(
                    path, line_no, "a translation ('> …') with no English paragraph before it"
                )
            zh = "\n".join(line[1:].strip() for line in lines if line[1:].strip())
            yield Paragraph(en=pending[0], zh=zh or None, start=pending[1])
            pending = None
            continue
        if pending is not None:
            yield Paragraph(en=pending[0], start=pending[1])
        pending = _english_block(lines)
    if pending is not None:
        yield Paragraph(en=pending[0], start=pending[1])


def _english_block(lines: list[str]) -> tuple[str, float | None]:
    start = None
    stamp = _TIMESTAMP.match(lines[0])
    if stamp:
        hours, minutes, seconds = (int(g) if g else 0 for g in stamp.groups())
        start = float(hours * 3600 + minutes * 60 + seconds)
        lines = [lines[0][stamp.end() :], *lines[1:]]
    text = "\n".join(line[1:] if line.startswith("\\") else line for line in lines)
    return text.strip(), start


def _blocks(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """Blank-line separated blocks with the line number each starts on."""
    current: list[str] = []
    start = first_line
    for offset, line in enumerate(body.split("\n")):
        if line.strip():
            if not current:
                start = first_line + offset
            current.append(line.rstrip())
        elif current:
            yield start, "\n".join(current)
            current = []
    if current:
        yield start, "\n".join(current)


# ---------------------------------------------------------------- the folder


@dataclass
class Library:
    """All posts under one folder, indexed by id, plus the files that failed to read."""

    root: Path
    posts: dict[str, Post] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    hashes: dict[str, str | None] = field(default_factory=dict)
    errors: list[LibraryFileError] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> Library:
        library = cls(root=root)
        for path in sorted(root.rglob("*.md")):
            if path.name.upper() == "README.MD":
                continue
            library._read(path)
        return library

    def _read(self, path: Path) -> None:
        try:
            post, imported_hash = parse_post(path.read_text(encoding="utf-8"), path)
        except LibraryFileError as error:
            self.errors.append(error)
            return
        if post.id in self.posts:
            self.errors.append(
                LibraryFileError(path, 2, f"id {post.id} is also used by {self.paths[post.id]}")
            )
            return
        self.posts[post.id] = post
        self.paths[post.id] = path
        self.hashes[post.id] = imported_hash

    def save(self, post: Post) -> SaveOutcome:
        """Write an imported post, keeping a person's edits when the source has not changed."""
        new_hash = post_hash(post)
        existing = self.posts.get(post.id)
        if existing is not None:
            if self.hashes.get(post.id) == new_hash or existing.content_equals(post):
                return "unchanged"
            post = post.model_copy(update={"added": existing.added})
        path = self.paths.get(post.id) or self.root / folder_for(post) / f"{post.id}.md"
        write_text_atomically(path, render_post(post, new_hash))
        self.posts[post.id], self.paths[post.id], self.hashes[post.id] = post, path, new_hash
        return "updated" if existing is not None else "imported"

    def update(self, post: Post) -> Path:
        """Write a post edited here (a translation filled in) over its file.

        The import hash stays, so re-importing the unchanged source keeps the edit, as it keeps
        a person's own edits.
        """
        path = self.paths[post.id]
        write_text_atomically(path, render_post(post, self.hashes.get(post.id)))
        self.posts[post.id] = post
        return path


def folder_for(post: Post) -> str:
    """Group files by series (a talk's parts together) or by author, for people browsing."""
    if post.series:
        return post.series.id
    return slugify(post.handle or post.author, max_length=40)

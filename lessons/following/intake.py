"""A followed source's texts, through its importer, into the review queue.

The importers are the ones `buildspeak import` runs (feed, markdown), with the same rules: a bad
entry is reported and skipped, a post too short to teach is not kept. Then the source's own
filter, then the posts met before (`seen.py`): a post in the library, skipped, or already waiting
under another id is not queued again, and one waiting under its own id is rewritten only when its
source changed, so an unchanged feed writes no file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree

from pydantic import ValidationError

from lessons.following.config import PostFilter
from lessons.following.queue import ReviewQueue
from lessons.following.seen import SeenPosts
from lessons.importers.base import Entry, EntryError, Importer, ImportOptions
from lessons.importing import Rejection, Source
from lessons.post import Post
from lessons.sentences import sentence_count


class UnreadableSource(ValueError):
    """A text that is no feed at all (broken XML, an HTML page): the source failed, not one post."""


@dataclass(frozen=True)
class Known:
    """A post left out because it was met before: where, and under which id."""

    post_id: str
    place: str
    other_id: str

    def __str__(self) -> str:
        same = "" if self.other_id == self.post_id else f" as {self.other_id}"
        return f"{self.post_id}: already in the {self.place}{same}"


@dataclass
class IntakeReport:
    """What one source gave: new posts queued, and why the others were not."""

    queued: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    known: list[Known] = field(default_factory=list)
    filtered: list[Rejection] = field(default_factory=list)
    too_short: list[Rejection] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass
class Gate:
    """Where a source's posts go, and what they pass on the way: its filter, then the posts seen."""

    queue: ReviewQueue
    seen: SeenPosts
    filter: PostFilter = field(default_factory=PostFilter)


def take_in(
    importer: Importer, sources: Iterable[Source], options: ImportOptions, gate: Gate
) -> IntakeReport:
    """Queue every new post of the texts; raises UnreadableSource when a text is no feed at all."""
    report = IntakeReport()
    for source in sources:
        entries = importer.entries(source.text, source.origin)
        _check_readable(entries)
        posts = 0
        for entry in entries:
            for post in _posts(importer, entry, options, report):
                posts += 1
                _admit(post, entry, options, gate, report)
        if not posts and importer.name == "feed":
            _check_well_formed(source.text)
    return report


def _check_readable(entries: list[Entry]) -> None:
    """The feed importer answers a text it cannot parse with one entry carrying the reason."""
    if len(entries) == 1 and entries[0].context.get("error"):
        raise UnreadableSource(entries[0].context["error"])


def _check_well_formed(text: str) -> None:
    """feedparser salvages what it can from broken XML (a feed cut off halfway still has items),
    which is right while good posts come out of it; a broken feed that gave no post at all is a
    failed fetch, to be tried again, not a feed of nothing but bad items."""
    try:
        ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as error:
        raise UnreadableSource(f"not an RSS/Atom feed: not well-formed XML ({error})") from None


def _posts(importer: Importer, entry: Entry, options: ImportOptions, report: IntakeReport) -> list[Post]:
    try:
        return list(importer.convert(entry, options))
    except EntryError as error:
        report.rejected.append(Rejection(entry.origin, error.line, error.reason))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "post"
        report.rejected.append(Rejection(entry.origin, entry.line, f"invalid {where}: {first['msg']}"))
    return []


def _admit(post: Post, entry: Entry, options: ImportOptions, gate: Gate, report: IntakeReport) -> None:
    for kept_out, reason in (
        (report.too_short, _too_short(post, options)),
        (report.filtered, gate.filter.rejects(post)),
    ):
        if reason:
            kept_out.append(Rejection(entry.origin, entry.line, f"{post.id}: {reason}"))
            return
    sighting = gate.seen.find(post)
    if sighting is not None and (sighting.place != "queue" or sighting.post_id != post.id):
        report.known.append(Known(post.id, sighting.place, sighting.post_id))
        return
    outcome = gate.queue.put(post)
    written = report.queued if outcome == "imported" else getattr(report, outcome)
    written.append(post.id)
    gate.seen.add(post, "queue")


def _too_short(post: Post, options: ImportOptions) -> str | None:
    """As `buildspeak import` decides: too few sentences or words for a lesson (a talk's part is kept)."""
    if post.series:
        return None
    sentences = sum(sentence_count(p.en) for p in post.paragraphs)
    if options.sizing.teaches(sentences, post.words):
        return None
    return f"too short to teach ({sentences} sentences, {post.words} words)"

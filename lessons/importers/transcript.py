"""A talk transcript copied from a video page: timestamp lines, each followed by its caption.

    HomeVideos

    Andrej Karpathy: Software Is Changing (Again)

    Now Playing

    Andrej Karpathy: Software Is Changing (Again)

    Transcript

    1139 segments

    0:01

    Please welcome former director of AI

    0:04

    Tesla Andre Carpathy.

    …

    Interactive Summary

    The speaker, Andrej Karpathy, discusses …

The page chrome above "Transcript" / "N segments" gives the title ("Speaker:
Title"); the site's own summary after the last caption is not the talk and is
dropped. Captions break mid-sentence, so they are rejoined into running text,
split into sentences (each keeping the time of the caption it starts in),
grouped into paragraphs and then into lesson-sized parts: one post per part,
all in one `Series`. A transcript has no date or link, so the person importing
it supplies them (`--date`, `--url`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.post import Paragraph, Post, Series
from lessons.sentences import split_sentences
from lessons.sizing import part_ranges
from lessons.text import slugify, word_count

_TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d+):(\d{2})$")
_CHROME = re.compile(
    r"^(?:HomeVideos|Home|Videos|Now Playing|Transcript|\d[\d,]*\s+segments?)$", re.IGNORECASE
)
_CHROME_END = re.compile(r"^(?:Transcript|\d[\d,]*\s+segments?)$", re.IGNORECASE)
_TAIL = re.compile(r"^(?:Interactive Summary|Suggested questions)$", re.IGNORECASE)
# Sound cues the captioner adds ("[Music]", "[Applause]", "[Laughter]"): not speech, nothing to learn.
_CUE = re.compile(r"\[\s*[A-Za-z]+(?:[ -][A-Za-z]+){0,2}\s*\]")
_YOUTUBE_HOSTS = ("youtube.com", "youtu.be")
# A paragraph closes at this many sentences or words, whichever comes first: short enough
# to read as one breath of the talk, long enough not to scatter it into one-liners. Speech
# runs on, so a half-full paragraph also closes before a sentence that would take it past
# the ceiling, rather than swelling to 200 words.
_PARAGRAPH_SENTENCES = 6
_PARAGRAPH_WORDS = 90
_PARAGRAPH_HALF = _PARAGRAPH_WORDS // 2
_PARAGRAPH_CEILING = 120


@dataclass(frozen=True)
class _Caption:
    """One caption line and when it is spoken."""

    seconds: int
    text: str


@dataclass(frozen=True)
class _Transcript:
    """What the file itself says: its title line and its captions in order."""

    heading: str | None
    captions: tuple[_Caption, ...]


@dataclass(frozen=True)
class _Sentence:
    """A sentence of the talk and the second its first caption appears."""

    text: str
    start: int


class TranscriptImporter:
    name = "transcript"
    summary = (
        "talk transcript: page chrome, then timestamp lines ('0:01', '1:02:03') each followed by a caption"
    )

    def entries(self, text: str, origin: str) -> list[Entry]:
        """The whole transcript is one entry, located at its first caption."""
        return [Entry(origin, _first_caption_line(text.split("\n")), text)]

    def convert(self, entry: Entry, options: ImportOptions) -> list[Post]:
        """All parts at once (a list, not a generator), so a bad transcript fails before any part."""
        transcript = _parse(entry.text)
        author, title = _author_and_title(transcript.heading, options, entry.line)
        url, date = _url_and_date(options, entry.line)
        paragraphs = _paragraphs(_sentences(transcript.captions))
        ranges = part_ranges([len(p) for p in paragraphs], options.sizing)
        series_id = f"talk-{slugify(title)}"
        width = max(2, len(str(len(ranges))))
        posts = []
        for number, part in enumerate(ranges, start=1):
            chosen = [paragraphs[index] for index in part]
            series = Series(id=series_id, title=title, part=number, parts=len(ranges))
            fields = {
                "id": f"{series_id}-p{number:0{width}d}",
                "kind": "talk",
                "author": author,
                "handle": options.handle,
                "date": date,
                "source": _at_moment(url, chosen[0][0].start),
                "title": title,
                "series": series,
                "added": options.added,
                "paragraphs": tuple(_paragraph(sentences) for sentences in chosen),
            }
            posts.append(_post(fields, entry.line))
        return posts


# ---------------------------------------------------------------- reading the file


def _first_caption_line(lines: Sequence[str]) -> int:
    """The 1-based line of the first non-blank line after a timestamp, or 1 if there is none."""
    seen_timestamp = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if _TIMESTAMP.match(line):
            seen_timestamp = True
        elif line and seen_timestamp:
            return number
    return 1


def _parse(text: str) -> _Transcript:
    """Split the file into chrome, captions and tail, rejecting anything that is not one of those."""
    lines = [line.strip() for line in text.removeprefix("\ufeff").split("\n")]
    stamps = [index for index, line in enumerate(lines) if _TIMESTAMP.match(line)]
    if not stamps:
        first = next((number for number, line in enumerate(lines, start=1) if line), 1)
        raise EntryError(
            first, "no timestamp lines: expected a time such as '0:01' or '1:02:03' before each caption"
        )
    heading = _heading(lines[: stamps[0]])
    end = _tail_start(lines, stamps[-1])
    captions = tuple(_captions(lines, stamps[0], end))
    if not any(_without_cues(c.text) for c in captions):
        raise EntryError(stamps[0] + 1, "the transcript has timestamps but no caption text")
    return _Transcript(heading, captions)


def _heading(header: Sequence[str]) -> str | None:
    """The title line from the page chrome; any other text before the first timestamp is an error.

    Only chrome ending in 'Transcript' or 'N segments' may precede the captions: without
    that marker, a line there could as well be a caption that lost its timestamp.
    """
    ends = [index for index, line in enumerate(header) if _CHROME_END.match(line)]
    chrome_end = ends[-1] if ends else -1
    for index in range(chrome_end + 1, len(header)):
        if header[index]:
            raise EntryError(index + 1, f"caption text before the first timestamp: {header[index]!r}")
    titles = [line for line in header[:chrome_end] if line and not _CHROME.match(line)]
    return titles[0] if titles else None


def _tail_start(lines: Sequence[str], last_stamp: int) -> int:
    """Where the site's summary starts: a marker line after the last caption, else the end of the file.

    The marker counts only once the last timestamp has a caption, so a caption that
    happens to read "Interactive Summary" is kept as speech.
    """
    has_caption = False
    for index in range(last_stamp + 1, len(lines)):
        if has_caption and _TAIL.match(lines[index]):
            return index
        has_caption = has_caption or bool(lines[index])
    return len(lines)


def _captions(lines: Sequence[str], first_stamp: int, end: int) -> list[_Caption]:
    """Caption lines with the time of the timestamp above them; times must never go back."""
    captions: list[_Caption] = []
    seconds, previous_line = -1, 0
    for index in range(first_stamp, end):
        line = lines[index]
        stamp = _TIMESTAMP.match(line)
        if stamp:
            now = _seconds(stamp, index + 1)
            if now < seconds:
                raise EntryError(
                    index + 1,
                    f"timestamp {line} goes back in time (line {previous_line} was later: {_clock(seconds)})",
                )
            seconds, previous_line = now, index + 1
        elif line:
            captions.append(_Caption(seconds, line))
    return captions


def _seconds(stamp: re.Match[str], line: int) -> int:
    hours, minutes, seconds = (int(group) if group else 0 for group in stamp.groups())
    if seconds >= 60 or (stamp.group(1) and minutes >= 60):
        raise EntryError(line, f"timestamp {stamp.group(0)} is not a valid time")
    return hours * 3600 + minutes * 60 + seconds


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _without_cues(text: str) -> str:
    return " ".join(_CUE.sub(" ", text).split())


# ---------------------------------------------------------------- metadata


def _author_and_title(heading: str | None, options: ImportOptions, line: int) -> tuple[str, str]:
    """'Speaker: Title' from the page, each half replaceable by --author / --title."""
    speaker, _, talk = (heading or "").partition(": ")
    if not talk:
        speaker, talk = "", heading or ""
    title = options.title or talk.strip()
    author = options.author or speaker.strip()
    if not title:
        raise EntryError(line, "the transcript has no title line; pass --title")
    if not author:
        raise EntryError(line, "the title line names no speaker ('Speaker: Title'); pass --author")
    return author, title


def _url_and_date(options: ImportOptions, line: int) -> tuple[str, dt.date]:
    """A transcript carries neither link nor date, and a post needs both."""
    if not options.url:
        raise EntryError(line, "a transcript has no link to the talk; pass --url with the video's address")
    parts = urlsplit(options.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EntryError(line, f"--url is not an http(s) address: {options.url!r}")
    if not options.date:
        raise EntryError(line, "a transcript has no date; pass --date (YYYY-MM-DD, when the talk was given)")
    return options.url, options.date


def _at_moment(url: str, seconds: int) -> str:
    """A YouTube link that opens at `seconds` (replacing any t= it had); other links unchanged."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not any(host == known or host.endswith(f".{known}") for known in _YOUTUBE_HOSTS):
        return url
    kept = [pair for pair in parts.query.split("&") if pair and not pair.startswith("t=")]
    query = "&".join([*kept, f"t={seconds}s"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _post(fields: dict[str, object], line: int) -> Post:
    """Build a post, turning a validation failure into a rejection a person can act on."""
    try:
        return Post.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise EntryError(line, f"cannot make a post: {where}: {first['msg']}") from error


# ---------------------------------------------------------------- sentences and paragraphs


def _sentences(captions: Sequence[_Caption]) -> list[_Sentence]:
    """Running text split into sentences, each with the time of the caption it starts in.

    Sentences are cut from the joined text at the offsets where the segmenter's
    sentences begin, so whatever the segmenter does, no character of speech is lost.
    """
    text, offsets, times = _join(captions)
    starts = _sentence_offsets(text, split_sentences(text, "en"))
    sentences = []
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        piece = text[begin:end].strip()
        if piece:
            sentences.append(_Sentence(piece, times[bisect.bisect_right(offsets, begin) - 1]))
    return sentences


def _join(captions: Sequence[_Caption]) -> tuple[str, list[int], list[int]]:
    """Captions without cues joined by spaces, with each caption's offset and time."""
    pieces: list[str] = []
    offsets: list[int] = []
    times: list[int] = []
    length = 0
    for caption in captions:
        speech = _without_cues(caption.text)
        if not speech:
            continue
        offsets.append(length)
        times.append(caption.seconds)
        pieces.append(speech)
        length += len(speech) + 1
    return " ".join(pieces), offsets, times


def _sentence_offsets(text: str, sentences: Sequence[str]) -> list[int]:
    """Where each sentence begins in `text`, strictly increasing, the first at 0.

    Each search starts where the previous sentence ended, so a short sentence
    ("Yeah.") is not found again inside an earlier one.
    """
    starts = [0]
    search_from = 0
    for sentence in sentences:
        words = sentence.split()
        if not words:
            continue
        found, length = text.find(sentence, search_from), len(sentence)
        if found < 0:
            found, length = text.find(words[0], search_from), len(words[0])
        if found < 0:
            continue
        if found > starts[-1]:
            starts.append(found)
        search_from = found + length
    return starts


def _paragraphs(sentences: Sequence[_Sentence]) -> list[list[_Sentence]]:
    """Consecutive sentences grouped into paragraphs of about 4-6 sentences or ~90 words."""
    paragraphs: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    words = 0
    for sentence in sentences:
        added = word_count(sentence.text)
        if current and words >= _PARAGRAPH_HALF and words + added > _PARAGRAPH_CEILING:
            paragraphs.append(current)
            current, words = [], 0
        current.append(sentence)
        words += added
        if len(current) >= _PARAGRAPH_SENTENCES or words >= _PARAGRAPH_WORDS:
            paragraphs.append(current)
            current, words = [], 0
    if current:
        paragraphs.append(current)
    return paragraphs


def _paragraph(sentences: Sequence[_Sentence]) -> Paragraph:
    return Paragraph(en=" ".join(s.text for s in sentences), zh=None, start=float(sentences[0].start))

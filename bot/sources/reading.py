"""A followed source's texts: a feed by HTTP (conditionally), or a blog folder's post files.

Both kinds give the importer `Source` texts; a feed may give none (304: unchanged). The folder
is read as `buildspeak import markdown FOLDER` reads it (the files its Jekyll or Hugo site
publishes); keeping the checkout current (`git pull`) is the host's business, like a cron job's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.sources.download import Download, FetchError, Validators, download
from lessons.following.config import FollowedSource
from lessons.importers import Importer
from lessons.importers.feed import FeedImporter
from lessons.importers.markdown import MarkdownImporter
from lessons.importing import Source, SourceError, source_paths


@dataclass(frozen=True)
class Limits:
    """How much one source may cost: seconds in all, and bytes of one answer."""

    timeout: float
    max_bytes: int


@dataclass(frozen=True)
class Texts:
    """What a source gave: its texts (none when unchanged), the importer that reads them, and the
    validators to send next time."""

    importer: Importer
    sources: tuple[Source, ...]
    validators: Validators
    unchanged: bool = False


async def read_followed(
    source: FollowedSource, client: httpx.AsyncClient, validators: Validators, limits: Limits
) -> Texts:
    """The source's texts; raises FetchError when it cannot be read."""
    if source.kind == "feed":
        assert source.url is not None
        got = await download(
            client, source.url, validators=validators, timeout=limits.timeout, max_bytes=limits.max_bytes
        )
        return _feed_texts(source.url, got)
    assert source.path is not None
    return await asyncio.to_thread(_folder_texts, source.path)


def _feed_texts(url: str, got: Download) -> Texts:
    texts = () if got.text is None else (Source(url, got.text),)
    return Texts(FeedImporter(), texts, got.validators, unchanged=got.unchanged)


def _folder_texts(folder: Path) -> Texts:
    if not folder.is_dir():
        raise FetchError(f"找不到文件夹 no such folder: {folder}")
    importer = MarkdownImporter()
    try:
        paths = source_paths(importer, str(folder))
    except SourceError as error:
        raise FetchError(str(error)) from None
    texts = []
    for path in paths:
        try:
            texts.append(Source(path, Path(path).read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError) as error:
            raise FetchError(f"无法读取 cannot read {path}: {error}") from None
    return Texts(importer, tuple(texts), Validators())

"""The Jekyll or Hugo site a Markdown post belongs to, and what it says about the post.

A blog checked out as a folder keeps its posts' URLs and often its author in
the site's config, not in each post. The site is the nearest folder, from
the post's own up to the checkout's root (the folder holding `.git`), with a
Jekyll `_config.yml` or a Hugo config whose posts area holds the file. Each
folder's config is read once per import.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lessons.importers.hugo_site import find_hugo
from lessons.importers.jekyll_site import find_jekyll
from lessons.importers.site_base import Site, SiteError

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkdn", ".mkd", ".mkdown"})
# Folders below a checkout that hold no posts of their own: dependencies, build
# output, and Hugo themes (whose example sites are sites of their own).
_SKIPPED_FOLDERS = frozenset({"node_modules", "vendor", "_site", "themes"})
_LOOKED_FOR = "no Jekyll `_config.yml` or Hugo config (hugo.toml, config.toml, config/_default/…)"


@dataclass(frozen=True)
class Location:
    """What the search above a file found: the site that publishes it, or why none does."""

    site: Site | None
    passed: tuple[str, ...]  # why each site found above the file does not publish it
    start: Path
    stop: Path

    def reason(self) -> str:
        """Why no site gives the file a URL, for a rejection message."""
        if self.passed:
            return "; ".join(self.passed)
        above = f" or the folders above it up to {self.stop}" if self.stop != self.start else ""
        return f"{_LOOKED_FOR} was found in {self.start}{above}"


class Sites:
    """Finds the site of each file, reading each folder's config once."""

    def __init__(self) -> None:
        self._found: dict[Path, Site | SiteError | None] = {}

    def post(self, origin: str) -> PostSite:
        """The site side of the post read from `origin` (a path, or a URL that has none)."""
        path = Path(origin)
        is_file = "://" not in origin and path.is_file()
        return PostSite(self, path.resolve() if is_file else None, origin)

    def locate(self, file: Path) -> Location:
        """The nearest site above `file` that publishes it; SiteError if a config cannot be read."""
        file = file.resolve()
        passed: list[str] = []
        folder = file.parent
        for folder in _folders_up(file.parent):
            site = self._site_in(folder)
            reason = site.excludes(file) if site else None
            if site and reason is None:
                return Location(site, (), file.parent, folder)
            if reason:
                passed.append(reason)
        return Location(None, tuple(passed), file.parent, folder)

    def markdown_files(self, folder: Path) -> list[Path]:
        """A folder's posts: in a Jekyll or Hugo checkout the files it publishes as posts, elsewhere all.

        So `_drafts/`, `about.md`, a README or a theme's example site stay out of
        an import of the whole checkout. A file under a config that cannot be
        read stays in, to be rejected with that config's error.
        """
        files = []
        for path in _markdown_under(folder):
            try:
                location = self.locate(path)
            except SiteError:
                files.append(path)
                continue
            if location.site or not location.passed:
                files.append(path)
        return files

    def _site_in(self, folder: Path) -> Site | None:
        if folder not in self._found:
            try:
                self._found[folder] = find_jekyll(folder) or find_hugo(folder)
            except SiteError as error:
                self._found[folder] = error
        found = self._found[folder]
        if isinstance(found, SiteError):
            raise found
        return found


class PostSite:
    """One post's file and its site, looked up only when the post itself lacks a URL or an author."""

    def __init__(self, sites: Sites, file: Path | None, origin: str) -> None:
        self._sites, self._file, self._origin = sites, file, origin
        self._location: Location | None = None

    @property
    def config(self) -> Path | None:
        """The config file of the post's site, if it has one (SiteError if it cannot be read)."""
        site = self._site()
        return site.config if site else None

    def url(self, metadata: Mapping[str, Any]) -> str:
        """The URL the site publishes the post at; SiteError saying what was missing."""
        site = self._site()
        if site is None or self._file is None:
            raise SiteError(self._why_no_site())
        return site.url(self._file, metadata)

    def author(self, metadata: Mapping[str, Any]) -> str | None:
        """Who the site credits: the post's author (as the site resolves it), else the config's."""
        site = self._site()
        return site.author(self._file, metadata) if site and self._file else None

    def _site(self) -> Site | None:
        if self._file is None:
            return None
        if self._location is None:
            self._location = self._sites.locate(self._file)
        return self._location.site

    def _why_no_site(self) -> str:
        if self._location is None:
            return f"{self._origin} is not a local file, so no site config can give its URL"
        return self._location.reason()


def _folders_up(start: Path) -> Iterator[Path]:
    """`start` and its parents, up to the checkout's root (the folder holding `.git`) or `/`."""
    for folder in (start, *start.parents):
        yield folder
        if (folder / ".git").exists():
            return


def _markdown_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
        found.extend(Path(current) / name for name in sorted(files) if _is_markdown(name))
    return found


def _is_markdown(name: str) -> bool:
    return Path(name).suffix.lower() in MARKDOWN_SUFFIXES
